/**
 * The principals of the catalogue as they appear in records: ARNs, principal ids, access keys and
 * the S3 Express sessions each holds per bucket. Role sessions and their keys rotate on a schedule.
 */
import { PRINCIPAL_DEFS, type PrincipalDef, type SessionMode } from './catalogue.js';
import { hashString, item, KEY_ID_CHARS, mix32, Rng, stableChars, UPPER_ALNUM } from './random.js';
import { DAY, iso } from './timestamps.js';

const j = JSON.stringify;

/** The CreateSession event that issued the session key a zonal call was signed with. */
export interface SessionFact {
  eventId: string;
  eventTime: string;
  /** `responseElements.credentials.accessKeyId` of that CreateSession. */
  accessKeyId: string;
  mode: SessionMode;
}

export interface Session {
  accessKeyId: string;
  created: number;
  mode: SessionMode;
  /** userIdentity JSON used by calls signed with this session. */
  identityJson: string;
  fact: SessionFact;
}

export interface Actor {
  def: PrincipalDef;
  arn: string;
  arnJson: string;
  type: 'AssumedRole' | 'IAMUser';
  principalId: string;
  /** Principal id of the role (AROA...) or user (AIDA...). */
  baseId: string;
  roleArn: string | null;
  userName: string | null;
  staticAccessKeyId: string | null;
  /** The S3 Express session this actor holds, by bucket index. */
  sessions: (Session | undefined)[];
  iamHour: number;
  iamIdentityJson: string;
  iamAccessKeyId: string;
}

export class Actors {
  private readonly cache = new Map<string, Actor>();
  private readonly current: (Actor | undefined)[] = [];
  private readonly cumulativeWeights: number[] = [];
  /** Every `userIdentity.arn` that signed a call with IAM credentials. */
  readonly principalArns = new Set<string>();

  constructor(
    private readonly rng: Rng,
    private readonly seedU32: number,
    private readonly account: string,
  ) {
    let cumulative = 0;
    for (const def of PRINCIPAL_DEFS) {
      cumulative += def.weight;
      this.cumulativeWeights.push(cumulative);
      this.current.push(undefined);
    }
  }

  /** The actor for a catalogue entry at time t; `sessionOverride` names a one-off role session. */
  actorFor(defIndex: number, t: number, sessionOverride?: string): Actor {
    const def = item(PRINCIPAL_DEFS, defIndex);
    let sessionName = def.sessionName;
    if (sessionOverride !== undefined) sessionName = sessionOverride;
    else if (sessionName?.includes('{day}')) {
      sessionName = sessionName.replace('{day}', String(100 + (Math.floor(t / DAY) % 900)));
    }
    const current = this.current[defIndex];
    if (sessionOverride === undefined && current !== undefined && current.def === def) {
      if (def.kind === 'IAMUser' || current.arn.endsWith(`/${sessionName}`)) return current;
    }
    const cacheKey = `${defIndex}|${sessionName ?? ''}`;
    let actor = this.cache.get(cacheKey);
    if (actor === undefined) {
      actor = this.makeActor(defIndex, def, sessionName);
      this.cache.set(cacheKey, actor);
    }
    if (sessionOverride === undefined) this.current[defIndex] = actor;
    return actor;
  }

  /** A catalogue index drawn by weight. */
  pickActor(t: number): number {
    const total = this.cumulativeWeights[this.cumulativeWeights.length - 1] ?? 1;
    const r = this.rng.float() * total;
    let i = 0;
    while ((this.cumulativeWeights[i] ?? total) <= r) i++;
    // The ETL pipeline runs hardest at night (UTC); dampen it during the day.
    if (i === 0) {
      const hour = Math.floor((t % DAY) / 3600);
      if (hour >= 6 && hour < 22 && this.rng.chance(0.4)) return 1 + this.rng.int(this.cumulativeWeights.length - 1);
    }
    return i;
  }

  /** userIdentity of a call signed with the principal's IAM credentials (role sessions rotate hourly). */
  iamIdentity(actor: Actor, t: number): string {
    // One-hour role sessions, each actor on its own phase; an IAM user's key never rotates.
    const phase = 60 * (hashString(actor.arn) % 60);
    const hour = Math.floor((t - phase) / 3600);
    if (actor.iamHour === hour) return actor.iamIdentityJson;
    actor.iamHour = hour;
    this.principalArns.add(actor.arn);
    if (actor.type === 'IAMUser') {
      actor.iamAccessKeyId = actor.staticAccessKeyId ?? '';
      actor.iamIdentityJson = `{"type":"IAMUser","principalId":"${actor.principalId}","arn":${actor.arnJson},"accountId":"${this.account}","accessKeyId":"${actor.iamAccessKeyId}","userName":${j(actor.userName)}}`;
      return actor.iamIdentityJson;
    }
    const keyRng = new Rng(mix32(this.seedU32 ^ hashString(actor.arn), hour));
    actor.iamAccessKeyId = `ASIA${keyRng.chars(KEY_ID_CHARS, 16)}`;
    const created = hour * 3600 + phase;
    actor.iamIdentityJson =
      `{"type":"AssumedRole","principalId":${j(actor.principalId)},"arn":${actor.arnJson},"accountId":"${this.account}","accessKeyId":"${actor.iamAccessKeyId}",` +
      `"sessionContext":{"sessionIssuer":{"type":"Role","principalId":"${actor.baseId}","arn":${j(actor.roleArn)},"accountId":"${this.account}","userName":${j(actor.def.name)}},` +
      `"attributes":{"creationDate":"${iso(created)}","mfaAuthenticated":"false"}}}`;
    return actor.iamIdentityJson;
  }

  private makeActor(defIndex: number, def: PrincipalDef, sessionName: string | undefined): Actor {
    const acct = this.account;
    const unsigned = { sessions: [], iamHour: -1, iamIdentityJson: '', iamAccessKeyId: '' };
    if (def.kind === 'IAMUser') {
      const baseId = `AIDA${stableChars(`user:${def.name}:${acct}`, UPPER_ALNUM, 17)}`;
      const arn = `arn:aws:iam::${acct}:user/${def.name}`;
      return {
        def,
        arn,
        arnJson: j(arn),
        type: 'IAMUser',
        principalId: baseId,
        baseId,
        roleArn: null,
        userName: def.name,
        staticAccessKeyId: `AKIA${stableChars(`key:${def.name}:${acct}`, KEY_ID_CHARS, 16)}`,
        ...unsigned,
      };
    }
    const baseId = `AROA${stableChars(`role:${def.name}:${acct}`, UPPER_ALNUM, 17)}`;
    const session = sessionName ?? `session-${defIndex}`;
    const arn = `arn:aws:sts::${acct}:assumed-role/${def.name}/${session}`;
    return {
      def,
      arn,
      arnJson: j(arn),
      type: 'AssumedRole',
      principalId: `${baseId}:${session}`,
      baseId,
      roleArn: `arn:aws:iam::${acct}:role/${def.name}`,
      userName: null,
      staticAccessKeyId: null,
      ...unsigned,
    };
  }
}

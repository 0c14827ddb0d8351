import { createHash } from 'node:crypto';
import type { TightenChange } from '../commands/requests.js';
import { UsageError } from '../errors.js';
import { lineDiff } from './diff.js';
import type { AlsoBlocks, ChangeRequest, Plan } from './types.js';

/** The only action a directory bucket policy may name (aws-facts 6.1). */
const CREATE_SESSION = 's3express:CreateSession';
/** The general-purpose bucket policy limit; the directory-bucket limit is unconfirmed (aws-facts 6.4). */
export const MAX_POLICY_BYTES = 20 * 1024;

export interface TightenPlanRequest {
  bucket: string;
  region: string;
  account: string;
  change: TightenChange;
  /** `--for`: reverted automatically this long after it is applied. */
  revertAfterMs?: number;
}

type Json = Record<string, unknown>;
type Statement = Json;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** Key order does not matter to IAM: compare statements in a canonical form. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
/** A role session's `userIdentity.principalId` (= its `aws:userid`): the role's unique id, `:`, the session name. */
const ROLE_SESSION_ID = /^(AROA[A-Z0-9]{8,128}):(.+)$/;

/**
 * `aws:PrincipalArn` patterns of the role behind an assumed-role session. A session ARN omits the
 * role's path, so both the path-less and any-path forms are listed (role names hold no `/`).
 */
function rolePatterns(sessionArn: string): string[] | undefined {
  const match = ASSUMED_ROLE.exec(sessionArn);
  if (match === null) return undefined;
  const [, partition, account, role] = match;
  return [`arn:${partition}:iam::${account}:role/${role}`, `arn:${partition}:iam::${account}:role/*/${role}`];
}

/** What a deny names, in words: one session of a role, a role (every session of it), or another principal. */
export type DenyTarget =
  | { kind: 'role-session'; role: string; session: string; roleUniqueId?: string }
  | { kind: 'role'; role: string }
  | { kind: 'principal'; name: string };

/** The role session, role or principal an ARN (and the record's principalId, when known) names. */
export function denyTargetOf(arn: string, principalId?: string): DenyTarget {
  const session = ASSUMED_ROLE.exec(arn);
  if (session !== null) {
    const [, , , role = '', name = ''] = session;
    const id = principalId === undefined ? null : ROLE_SESSION_ID.exec(principalId);
    // The id is used only when it names this very session; any other id would deny someone else.
    return id !== null && id[2] === name
      ? { kind: 'role-session', role, session: name, roleUniqueId: id[1] as string }
      : { kind: 'role-session', role, session: name };
  }
  const role = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (role !== null) return { kind: 'role', role: role[1] as string };
  return { kind: 'principal', name: arn.split(/[:/]/).slice(-2).join('/') };
}

/** "DataEngineer/mallory", "role DataEngineer", "user/mallory": how messages name a deny target. */
export function denyTargetLabel(target: DenyTarget): string {
  switch (target.kind) {
    case 'role-session':
      return `${target.role}/${target.session}`;
    case 'role':
      return `role ${target.role}`;
    case 'principal':
      return target.name;
  }
}

/** IAM's ArnLike: `*` and `?` wildcards, case-sensitive. */
function arnLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`).test(value);
}

/** The role ARN IAM evaluates as `aws:PrincipalArn` for a principal, when it can be named. */
function principalArnOf(arn: string): string[] {
  return rolePatterns(arn) ?? [arn];
}

function accountOf(arn: string): string | undefined {
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
}

/** Whether the statement's Principal names this (protected) principal: `*`, its account, its ARN or its role. */
function principalNames(principal: unknown, protectedArn: string): boolean {
  if (principal === '*') return true;
  if (!isObject(principal)) return false;
  const protectedRoles = principalArnOf(protectedArn);
  return list(principal.AWS).some((value) => {
    if (typeof value !== 'string') return false;
    if (value === '*' || value === protectedArn) return true;
    if (value === accountOf(protectedArn) || value === `arn:aws:iam::${accountOf(protectedArn)}:root`) return true;
    const roles = principalArnOf(value);
    return roles.some((role) => protectedRoles.some((mine) => arnLike(role, mine) || arnLike(mine, role)));
  });
}

/** Values of a condition key (`aws:PrincipalArn`, `aws:userid`) under any of these operators. */
function conditionValues(condition: unknown, conditionKey: string, operators: readonly string[]): string[] | undefined {
  if (!isObject(condition)) return undefined;
  let found: string[] | undefined;
  for (const [operator, keys] of Object.entries(condition)) {
    if (!operators.includes(operator.replace(/^ForAnyValue:|^ForAllValues:/, '')) || !isObject(keys)) continue;
    for (const [key, values] of Object.entries(keys)) {
      if (key.toLowerCase() !== conditionKey) continue;
      found = [...(found ?? []), ...list(values).filter((value): value is string => typeof value === 'string')];
    }
  }
  return found;
}

const EXEMPTING = ['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike'];
const NARROWING = ['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike'];

/** A principal as a policy sees it: its ARN and, when known, its `aws:userid` (the record's principalId). */
export interface PrincipalSeen {
  arn: string;
  userId?: string;
}

/**
 * Whether a Deny statement can stop this principal from creating sessions. Conservative: any
 * condition other than an aws:PrincipalArn or aws:userid match (session mode, VPC endpoint, ...)
 * may hold for the principal, so only an exemption (or a positive match that leaves it out) counts;
 * an aws:userid match counts only when the principal's user id is known.
 */
function denies(statement: Statement, principal: PrincipalSeen): boolean {
  if (statement.Effect !== 'Deny' || !principalNames(statement.Principal, principal.arn)) return false;
  const roles = principalArnOf(principal.arn);
  const matches = (patterns: string[]): boolean => patterns.some((pattern) => roles.some((role) => arnLike(pattern, role)));
  const exempt = conditionValues(statement.Condition, 'aws:principalarn', EXEMPTING);
  if (exempt !== undefined && matches(exempt)) return false;
  const only = conditionValues(statement.Condition, 'aws:principalarn', NARROWING);
  if (only !== undefined && !matches(only)) return false;
  const userIds = conditionValues(statement.Condition, 'aws:userid', NARROWING);
  const { userId } = principal;
  return userIds === undefined || userId === undefined || userIds.some((pattern) => arnLike(pattern, userId));
}

function shortHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 8);
}

/** `s3x-deny-<what>-<readable tail>-<hash>`: deterministic, and distinct for distinct principals. */
function sidFor(kind: string, value: string): string {
  const tail = (value.split(/[:/]/).pop() ?? '').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40);
  return `s3x-deny-${kind}-${tail}-${shortHash(value)}`;
}

/**
 * Deny CreateSession to exactly the principal named. A role session is matched on its role
 * (aws:PrincipalArn) and its session: `aws:userid` is `<role unique id>:<session name>`, taken
 * from the record when known, else any id of that role with this session name. A role is denied
 * as the role (every session of it); any other principal by its ARN.
 */
function principalScope(arn: string, principalId?: string): { Principal: unknown; Condition?: Json } {
  const roles = rolePatterns(arn);
  if (roles === undefined) return { Principal: { AWS: arn } };
  const target = denyTargetOf(arn, principalId);
  if (target.kind !== 'role-session') return { Principal: { AWS: arn } };
  const session = target.roleUniqueId
    ? { StringEquals: { 'aws:userid': `${target.roleUniqueId}:${target.session}` } }
    : { StringLike: { 'aws:userid': `*:${target.session}` } };
  return { Principal: '*', Condition: { ArnLike: { 'aws:PrincipalArn': roles }, ...session } };
}

function exemptionFor(protectedPrincipals: readonly string[]): Json | undefined {
  if (protectedPrincipals.length === 0) return undefined;
  const patterns = [...new Set(protectedPrincipals.flatMap(principalArnOf))];
  return { ArnNotLike: { 'aws:PrincipalArn': patterns } };
}

interface Built {
  statement: Statement;
  summary: string;
  /** Which principal the statement names, in words (role session, role, principal). */
  scope?: string;
  /** A rule for every principal: protected principals are exempted from it. */
  everyone: boolean;
}

/** The plan's sentence on whom the statement names, so a role is never mistaken for one session of it. */
function scopeWords(target: DenyTarget, arn: string): string {
  switch (target.kind) {
    case 'role-session':
      return target.roleUniqueId
        ? `It names one role session: ${target.session} of role ${target.role} (${arn}; aws:userid ${target.roleUniqueId}:${target.session}, from the logs); other sessions of ${target.role} are not blocked.`
        : `It names one role session: sessions named ${target.session} of role ${target.role} (${arn}; aws:userid *:${target.session}); other sessions of ${target.role} are not blocked.`;
    case 'role':
      return `It names the role ${target.role} (${arn}): every session of it is blocked.`;
    case 'principal':
      return `It names the principal ${arn}.`;
  }
}

function buildStatement(request: TightenPlanRequest, protectedPrincipals: readonly string[]): Built {
  const { change, bucket } = request;
  const Resource = `arn:${partitionOf(request.region)}:s3express:${request.region}:${request.account}:bucket/${bucket}`;
  const base = { Effect: 'Deny', Action: CREATE_SESSION, Resource };
  const everyone = (Sid: string, condition: Json, summary: string): Built => {
    const exemption = exemptionFor(protectedPrincipals);
    return {
      statement: { Sid, ...base, Principal: '*', Condition: { ...condition, ...exemption } },
      summary,
      everyone: true,
    };
  };
  switch (change.kind) {
    case 'deny': {
      const target = denyTargetOf(change.principalArn, change.principalId);
      return {
        statement: {
          Sid: sidFor('principal', change.principalArn),
          ...base,
          ...principalScope(change.principalArn, change.principalId),
        },
        summary:
          target.kind === 'role'
            ? `Block every session of ${denyTargetLabel(target)} on ${bucket}`
            : `Block new sessions of ${denyTargetLabel(target)} on ${bucket}`,
        scope: scopeWords(target, change.principalArn),
        everyone: false,
      };
    }
    case 'read-only': {
      const readWrite = { StringEquals: { 's3express:SessionMode': 'ReadWrite' } };
      if (change.principalArn === undefined) {
        return everyone('s3x-deny-readwrite-everyone', readWrite, `Allow only read-only sessions on ${bucket}`);
      }
      const scope = principalScope(change.principalArn);
      return {
        scope: scopeWords(denyTargetOf(change.principalArn), change.principalArn),
        statement: {
          Sid: sidFor('readwrite', change.principalArn),
          ...base,
          Principal: scope.Principal,
          Condition: { ...readWrite, ...scope.Condition },
        },
        summary: `Allow only read-only sessions on ${bucket} to ${change.principalArn}`,
        everyone: false,
      };
    }
    case 'vpce':
      return everyone(
        sidFor('outside-vpce', change.vpceId),
        { StringNotEquals: { 'aws:SourceVpce': change.vpceId } },
        `Deny new sessions on ${bucket} from outside VPC endpoint ${change.vpceId}`,
      );
  }
}

/** Who was seen on the bucket lately, as the planner read it from the logs (or why it could not). */
export type SeenOnBucket = { days: number; principals: PrincipalSeen[] } | { days: number; unknown: string };

/** The seen principals, other than the one the change names, that the new statement applies to. */
function alsoBlocked(statement: Statement, change: TightenChange, seen: SeenOnBucket): AlsoBlocks {
  if ('unknown' in seen) return seen;
  const named = change.kind === 'vpce' ? undefined : change.principalArn;
  const principals = seen.principals.filter((principal) => principal.arn !== named && denies(statement, principal));
  return { days: seen.days, principals: [...new Set(principals.map((principal) => principal.arn))] };
}

/** Parse and check a policy document: an object whose statements name only CreateSession. */
function parsePolicy(text: string, what: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`The ${what} bucket policy is not valid JSON.`);
  }
  if (!isObject(parsed)) throw new UsageError(`The ${what} bucket policy is not a JSON object.`);
  for (const statement of list(parsed.Statement)) {
    if (!isObject(statement)) throw new UsageError(`The ${what} bucket policy has a statement that is not an object.`);
    if (statement.NotAction !== undefined) {
      throw new UsageError(
        `The ${what} bucket policy uses NotAction; directory bucket policies may name only ${CREATE_SESSION}.`,
      );
    }
    const other = list(statement.Action).find(
      (action) => typeof action !== 'string' || action.toLowerCase() !== CREATE_SESSION.toLowerCase(),
    );
    if (other !== undefined) {
      throw new UsageError(
        `The ${what} bucket policy names ${JSON.stringify(other)}; directory bucket policies may name only ${CREATE_SESSION}. Fix the policy by hand first.`,
      );
    }
  }
  return parsed;
}

/**
 * Plan adding one s3x Deny statement to a directory bucket policy. Existing statements are kept as
 * they are; the revert restores the previous text byte for byte.
 */
export function planTighten(
  current: string | null,
  request: TightenPlanRequest,
  protectedPrincipals: string[],
  seen?: SeenOnBucket,
): Plan {
  const planRequest: ChangeRequest = {
    kind: 'tighten',
    bucket: request.bucket,
    change: request.change,
    ...(request.revertAfterMs ? { revertAfterMs: request.revertAfterMs } : {}),
  };
  const document = current === null ? { Version: '2012-10-17', Statement: [] } : parsePolicy(current, 'current');
  const built = buildStatement(request, protectedPrincipals);
  const warnings: string[] = [];

  const locked = protectedPrincipals.filter((arn) => denies(built.statement, { arn }));
  if (locked.length > 0) {
    throw new UsageError(
      `Refusing: the new statement would deny ${locked.join(', ')}, who must keep access to ${request.bucket}.`,
    );
  }

  const statements = list(document.Statement) as Statement[];
  const wanted = canonical(built.statement);
  if (statements.some((statement) => canonical(statement) === wanted)) {
    return {
      request: planRequest,
      summary: `${built.summary}: already in the policy; nothing to change.`,
      diff: '',
      calls: [],
      warnings,
    };
  }
  const sameSid = statements.findIndex((statement) => statement.Sid === built.statement.Sid);
  if (sameSid >= 0)
    warnings.push(`Statement ${String(built.statement.Sid)} is replaced (its protected principals or values changed).`);
  const next =
    sameSid >= 0
      ? statements.map((statement, at) => (at === sameSid ? built.statement : statement))
      : [...statements, built.statement];
  const policy = pretty({ ...document, Statement: next });

  if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
    throw new UsageError(
      `Refusing: the new policy would be ${Buffer.byteLength(policy, 'utf8')} bytes; bucket policies are limited to 20 KB.`,
    );
  }
  for (const arn of protectedPrincipals) {
    if (statements.some((statement) => denies(statement, { arn }))) {
      warnings.push(`A statement already in the policy may deny ${arn}; s3x leaves it as it is.`);
    }
  }
  if (built.everyone && protectedPrincipals.length > 0) {
    warnings.push(
      `The rule applies to everyone except the protected principals (approvers and s3x): ${protectedPrincipals.join(', ')}.`,
    );
  }
  if (built.everyone) {
    warnings.push('A Deny for everyone also applies to AWS services such as S3 Lifecycle, which needs read-write sessions.');
  }
  warnings.push('Sessions already created stay valid until they expire (up to 5 minutes).');

  return {
    request: planRequest,
    summary: built.summary,
    words: [
      `${built.summary}.`,
      ...(built.scope ? [built.scope] : []),
      ...(request.revertAfterMs
        ? [`Time-boxed: s3x restores the previous policy ${durationWords(request.revertAfterMs)} after it is applied.`]
        : []),
    ],
    ...(request.revertAfterMs ? { revertAfterMs: request.revertAfterMs } : {}),
    ...(seen ? { alsoBlocks: alsoBlocked(built.statement, request.change, seen) } : {}),
    diff: lineDiff(current === null ? '' : pretty(document), policy),
    calls: [{ api: 's3express:PutBucketPolicy', region: request.region, bucket: request.bucket, policy }],
    revert: { kind: 'revert-policy', bucket: request.bucket, region: request.region, policy: current },
    warnings,
  };
}

/** "4 hours", "90 minutes", "2 days". */
function durationWords(ms: number): string {
  const [amount, unit] =
    ms % 86_400_000 === 0
      ? [ms / 86_400_000, 'day']
      : ms % 3_600_000 === 0
        ? [ms / 3_600_000, 'hour']
        : [Math.round(ms / 60_000), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

function prettyOrRaw(text: string | null): string {
  if (text === null) return '';
  try {
    return pretty(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Plan restoring a bucket policy exactly as stored before a tighten, or removing it when there was none. */
export function planRevertPolicy(current: string | null, request: Extract<ChangeRequest, { kind: 'revert-policy' }>): Plan {
  const diff = lineDiff(prettyOrRaw(current), prettyOrRaw(request.policy));
  if (current === request.policy) {
    return {
      request,
      summary: `The policy of ${request.bucket} is already as it was; nothing to change.`,
      diff: '',
      calls: [],
      warnings: [],
    };
  }
  if (request.policy === null) {
    return {
      request,
      summary: `Remove the bucket policy of ${request.bucket} (it had none before)`,
      diff,
      calls: [{ api: 's3express:DeleteBucketPolicy', region: request.region, bucket: request.bucket }],
      warnings: [],
    };
  }
  return {
    request,
    summary: `Restore the previous bucket policy of ${request.bucket}`,
    diff,
    calls: [{ api: 's3express:PutBucketPolicy', region: request.region, bucket: request.bucket, policy: request.policy }],
    warnings: [],
  };
}

/** Who may ask s3x anything, from S3X_ALLOWED_CHANNELS / _USERS / _GROUPS. Empty lists allow everyone. */
export interface AccessLists {
  channels: readonly string[];
  users: readonly string[];
  groups: readonly string[];
}

/** Resolves a Slack user group to its member ids (usergroups.users.list, cached by the caller). */
export interface GroupMembers {
  membersOf(groupId: string): Promise<readonly string[]>;
}

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

export interface Asker {
  userId: string;
  channelId?: string;
}

const ALLOWED: AccessDecision = Object.freeze({ allowed: true });
const NOT_IN_CHANNEL: AccessDecision = Object.freeze({
  allowed: false,
  reason: 's3x is not enabled in this channel (S3X_ALLOWED_CHANNELS). Ask in one of the channels your team set up for it.',
});
const NOT_LISTED: AccessDecision = Object.freeze({
  allowed: false,
  reason: 'You are not on the list of people who may use s3x (S3X_ALLOWED_USERS / S3X_ALLOWED_GROUPS). Ask an admin to add you.',
});

/**
 * Checked for every slash command and again for every button click: a button on an answer
 * someone else shared is only as good as the clicker's own access.
 */
export async function checkAccess(lists: AccessLists, asker: Asker, groups: GroupMembers): Promise<AccessDecision> {
  const settled = accessByLists(lists, asker);
  if (settled) return settled;
  for (const group of lists.groups) {
    if ((await groups.membersOf(group)).includes(asker.userId)) return ALLOWED;
  }
  return NOT_LISTED;
}

/**
 * checkAccess's decision when the lists settle it without a user group's members (no groups set,
 * or the channel or user lists decide); undefined when a group must be looked up. Synchronous, so
 * that most acks wait for no promise.
 */
export function accessByLists(lists: AccessLists, asker: Asker): AccessDecision | undefined {
  if (lists.channels.length > 0 && (!asker.channelId || !lists.channels.includes(asker.channelId))) return NOT_IN_CHANNEL;
  if (lists.users.length === 0 && lists.groups.length === 0) return ALLOWED;
  if (lists.users.includes(asker.userId)) return ALLOWED;
  return lists.groups.length === 0 ? NOT_LISTED : undefined;
}

/** Caches group membership for `ttlMs`; a lookup failure refuses (fail closed) and is not cached. */
export class CachedGroupMembers implements GroupMembers {
  private readonly cache = new Map<string, { members: readonly string[]; at: number }>();

  constructor(
    private readonly fetchMembers: (groupId: string) => Promise<readonly string[]>,
    private readonly now: () => number,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  async membersOf(groupId: string): Promise<readonly string[]> {
    const hit = this.cache.get(groupId);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.members;
    try {
      const members = await this.fetchMembers(groupId);
      this.cache.set(groupId, { members, at: this.now() });
      return members;
    } catch {
      return [];
    }
  }
}

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

/**
 * Checked for every slash command and again for every button click: a button on an answer
 * someone else shared is only as good as the clicker's own access.
 */
export async function checkAccess(lists: AccessLists, asker: Asker, groups: GroupMembers): Promise<AccessDecision> {
  if (lists.channels.length > 0 && (!asker.channelId || !lists.channels.includes(asker.channelId))) {
    return {
      allowed: false,
      reason: 's3x is not enabled in this channel (S3X_ALLOWED_CHANNELS). Ask in one of the channels your team set up for it.',
    };
  }
  if (lists.users.length === 0 && lists.groups.length === 0) return { allowed: true };
  if (lists.users.includes(asker.userId)) return { allowed: true };
  for (const group of lists.groups) {
    if ((await groups.membersOf(group)).includes(asker.userId)) return { allowed: true };
  }
  return {
    allowed: false,
    reason:
      'You are not on the list of people who may use s3x (S3X_ALLOWED_USERS / S3X_ALLOWED_GROUPS). Ask an admin to add you.',
  };
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

import { randomBytes, randomUUID } from 'node:crypto';
import { showInvisibleKeepingLines } from '../text/safe-text.js';
import type { TwinEvent } from './events.js';

export interface TwinFile {
  id: string;
  name: string;
  url: string;
}

/** One message as a Slack client shows it; `ts` is its id. */
export interface TwinMessage {
  ts: string;
  channel: string;
  /** A person's id, or the bot user's. */
  author: string;
  text: string;
  blocks: unknown[];
  /** Ephemeral: only this person sees it. */
  visibleTo?: string;
  threadTs?: string;
  files?: TwinFile[];
}

/** Where a response_url posts go: the person and channel it was issued for, and the message it may replace. */
export interface ResponseTarget {
  userId: string;
  channelId: string;
  original?: string;
  /** Slash command response_urls treat their latest reply as the original. */
  fromCommand: boolean;
}

export interface StoredFile {
  name: string;
  title: string;
  bytes: Buffer;
}

export interface WorkspaceOptions {
  team: { id: string; domain: string };
  /** Author of everything the bot posts. */
  botUserId: string;
  botId: string;
  now?: () => Date;
  /** Told of every change, e.g. an EventStream's broadcast. */
  onEvent: (event: TwinEvent) => void;
}

const MAX_MESSAGES = 500;
const MAX_TARGETS = 500;
const MAX_FILES = 100;

/**
 * The state of a one-channel Slack workspace: messages and threads, response_urls, trigger ids,
 * open views, direct messages and files. Bounded: the oldest entries go first.
 */
export class SlackWorkspace {
  readonly team: { id: string; domain: string };
  readonly botUserId: string;
  readonly botId: string;
  private readonly now: () => Date;
  private readonly onEvent: (event: TwinEvent) => void;
  private readonly messages = new Map<string, TwinMessage>();
  private readonly targets = new Map<string, ResponseTarget>();
  private readonly triggers = new Map<string, string>();
  private readonly views = new Map<string, string>();
  private readonly pendingUploads = new Map<string, string>();
  /** Direct-message channel id → its person. */
  private readonly directMessages = new Map<string, string>();
  private readonly files = new Map<string, StoredFile>();
  private lastMicros = 0;
  private counter = 0;

  constructor(options: WorkspaceOptions) {
    this.team = options.team;
    this.botUserId = options.botUserId;
    this.botId = options.botId;
    this.now = options.now ?? (() => new Date());
    this.onEvent = options.onEvent;
  }

  /** A message timestamp: unique and increasing even when `now` stands still (tests). */
  nextTs(): string {
    this.lastMicros = Math.max(this.now().getTime() * 1000, this.lastMicros + 1);
    return `${Math.floor(this.lastMicros / 1e6)}.${String(this.lastMicros % 1e6).padStart(6, '0')}`;
  }

  /** The current time in Slack's request timestamps (seconds). */
  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  messageList(): TwinMessage[] {
    return [...this.messages.values()];
  }

  message(ts: string): TwinMessage | undefined {
    return this.messages.get(ts);
  }

  post(message: Omit<TwinMessage, 'ts'>): TwinMessage {
    // A direct message (conversations.open) is seen by its person only.
    const directTo = this.directMessages.get(message.channel);
    const stored = { ts: this.nextTs(), ...message, ...(directTo ? { visibleTo: directTo } : {}) };
    remember(this.messages, stored.ts, stored, MAX_MESSAGES);
    this.onEvent({ type: 'message', message: stored });
    return stored;
  }

  replace(ts: string, content: { text: string; blocks: unknown[] }): TwinMessage | undefined {
    const existing = this.messages.get(ts);
    if (!existing) return undefined;
    const updated = { ...existing, ...content };
    this.messages.set(ts, updated);
    this.onEvent({ type: 'message', message: updated });
    return updated;
  }

  remove(ts: string): boolean {
    if (!this.messages.delete(ts)) return false;
    this.onEvent({ type: 'delete', ts });
    return true;
  }

  /** A response_url body, or a slash command's ack body: Slack's message response semantics. */
  respond(target: ResponseTarget, body: Record<string, unknown>): void {
    if (isTrue(body.delete_original)) {
      if (target.original) this.remove(target.original);
      return;
    }
    const content = contentOf(body);
    if (isTrue(body.replace_original) && target.original && this.replace(target.original, content)) return;
    const inChannel = body.response_type === 'in_channel';
    const threadTs = stringOf(body.thread_ts);
    const message = this.post({
      channel: target.channelId,
      author: this.botUserId,
      ...content,
      ...(inChannel ? {} : { visibleTo: target.userId }),
      ...(threadTs ? { threadTs } : {}),
    });
    if (target.fromCommand) target.original = message.ts;
  }

  /** Issue a response_url id for `target`. */
  addResponseTarget(target: ResponseTarget): string {
    const id = randomUUID();
    remember(this.targets, id, target, MAX_TARGETS);
    return id;
  }

  responseTarget(id: string): ResponseTarget | undefined {
    return this.targets.get(id);
  }

  /** A trigger_id (for views.open) issued to `userId`, shaped like Slack's. */
  newTrigger(userId: string): string {
    const trigger = `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString('hex')}`;
    remember(this.triggers, trigger, userId, MAX_TARGETS);
    return trigger;
  }

  triggerUser(trigger: string): string | undefined {
    return this.triggers.get(trigger);
  }

  /** Open a modal for a person; returns its view id. */
  openView(userId: string, view: unknown): string {
    const viewId = this.nextId('V');
    remember(this.views, viewId, userId, MAX_TARGETS);
    this.onEvent({ type: 'modal', userId, viewId, view });
    return viewId;
  }

  hasView(viewId: string): boolean {
    return this.views.has(viewId);
  }

  /** Show a new version of an open modal to its person. */
  updateView(viewId: string, view: unknown): void {
    const userId = this.views.get(viewId);
    if (userId) this.onEvent({ type: 'modal', userId, viewId, view });
  }

  /** The direct-message channel with a person. */
  openDirectMessage(userId: string): string {
    const channel = `D${userId.slice(1)}`;
    remember(this.directMessages, channel, userId, MAX_TARGETS);
    return channel;
  }

  /** Reserve a file id for an upload of `filename`. */
  startUpload(filename: string): string {
    const fileId = this.nextId('F');
    remember(this.pendingUploads, fileId, filename, MAX_FILES);
    return fileId;
  }

  /** A reserved upload's file name (its bytes have not arrived yet). */
  pendingUpload(fileId: string): string | undefined {
    return this.pendingUploads.get(fileId);
  }

  /** Store the bytes of the upload reserved as `fileId` under `name`: it is a file from now on. */
  finishUpload(fileId: string, name: string, bytes: Buffer): void {
    this.pendingUploads.delete(fileId);
    remember(this.files, fileId, { name, title: name, bytes }, MAX_FILES);
  }

  file(fileId: string): StoredFile | undefined {
    return this.files.get(fileId);
  }

  /** Report a problem to whoever watches (the page's error banner). */
  reportError(text: string): void {
    // Errors quote typed text: invisible characters are shown, as in every answer.
    this.onEvent({ type: 'error', text: showInvisibleKeepingLines(text) });
  }

  private nextId(prefix: string): string {
    return `${prefix}${(++this.counter).toString(36).toUpperCase().padStart(6, '0')}`;
  }
}

/** Keep at most `limit` entries, dropping the oldest (Maps iterate in insertion order). */
function remember<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= limit) break;
    map.delete(oldest);
  }
}

/** A message's text and blocks from Web API or response_url arguments. */
export function contentOf(args: Record<string, unknown>): { text: string; blocks: unknown[] } {
  return { text: stringOf(args.text) ?? '', blocks: Array.isArray(args.blocks) ? args.blocks : [] };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, or undefined. */
export function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

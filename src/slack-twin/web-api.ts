import { z } from 'zod';
import { parseJson } from './http-body.js';
import { contentOf, isRecord, type SlackWorkspace, stringOf, type TwinFile } from './workspace.js';

export type ApiArgs = Record<string, unknown>;
export type ApiResult = { ok: true; [key: string]: unknown } | { ok: false; error: string };

export interface WebApiOptions {
  /** Where the twin is served (`http://127.0.0.1:3000`): upload and file URLs are built from it. */
  baseUrl: () => string;
  /** The path an upload's bytes are POSTed to, and the path the file is then served at. */
  uploadPath: (fileId: string) => string;
  filePath: (fileId: string) => string;
  /** The bot token calls must carry; without it any `xoxb-` token is accepted. */
  botToken?: string;
  /** usergroup id → member ids, for usergroups.users.list. */
  groups: ReadonlyMap<string, readonly string[]>;
}

/** Answers one Web API call, given its method, arguments and token. */
export type WebApiCall = (method: string, args: ApiArgs, token: string | undefined) => ApiResult;

export const userIdSchema = z.string().regex(/^U[A-Z0-9]{1,20}$/);

/** The Web API methods s3x calls, answered from (and applied to) the workspace with Slack's response shapes. */
export function createWebApi(workspace: SlackWorkspace, options: WebApiOptions): WebApiCall {
  const bot = workspace.botUserId;
  const methods: Record<string, (args: ApiArgs) => ApiResult> = {
    'auth.test': () => ({
      ok: true,
      url: 'http://localhost/',
      team: workspace.team.domain,
      user: 's3x',
      team_id: workspace.team.id,
      user_id: bot,
      bot_id: workspace.botId,
    }),
    'chat.postMessage': (args) => {
      const channel = stringOf(args.channel);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const message = workspace.post({ channel, author: bot, ...contentOf(args), ...threadOf(args) });
      return { ok: true, channel, ts: message.ts, message: { type: 'message', ...contentOf(args), ts: message.ts } };
    },
    'chat.postEphemeral': (args) => {
      const channel = stringOf(args.channel);
      const user = stringOf(args.user);
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (!user) return { ok: false, error: 'user_not_found' };
      const message = workspace.post({ channel, author: bot, ...contentOf(args), visibleTo: user, ...threadOf(args) });
      return { ok: true, message_ts: message.ts };
    },
    'chat.update': (args) => {
      const ts = stringOf(args.ts) ?? '';
      const existing = workspace.message(ts);
      if (!existing) return { ok: false, error: 'message_not_found' };
      const text = stringOf(args.text) ?? existing.text;
      const blocks = Array.isArray(args.blocks) ? args.blocks : existing.blocks;
      workspace.replace(ts, { text, blocks });
      return { ok: true, channel: existing.channel, ts, text };
    },
    'chat.delete': (args) => {
      const ts = stringOf(args.ts) ?? '';
      return workspace.remove(ts) ? { ok: true, channel: stringOf(args.channel), ts } : { ok: false, error: 'message_not_found' };
    },
    'views.open': (args) => {
      const forUser = workspace.triggerUser(stringOf(args.trigger_id) ?? '');
      if (!forUser) return { ok: false, error: 'invalid_trigger_id' };
      if (!isRecord(args.view)) return { ok: false, error: 'invalid_arguments' };
      const viewId = workspace.openView(forUser, args.view);
      return { ok: true, view: { ...args.view, id: viewId } };
    },
    'views.update': (args) => {
      const viewId = stringOf(args.view_id) ?? '';
      if (!workspace.hasView(viewId)) return { ok: false, error: 'not_found' };
      if (!isRecord(args.view)) return { ok: false, error: 'invalid_arguments' };
      workspace.updateView(viewId, args.view);
      return { ok: true, view: { ...args.view, id: viewId } };
    },
    'files.getUploadURLExternal': (args) => {
      const filename = stringOf(args.filename);
      if (!filename) return { ok: false, error: 'invalid_arguments' };
      const fileId = workspace.startUpload(filename);
      return { ok: true, file_id: fileId, upload_url: `${options.baseUrl()}${options.uploadPath(fileId)}` };
    },
    'files.completeUploadExternal': (args) => {
      const listed = Array.isArray(args.files) ? args.files.filter(isRecord) : [];
      const done: TwinFile[] = [];
      for (const entry of listed) {
        const id = stringOf(entry.id) ?? '';
        const file = workspace.file(id);
        if (!file) return { ok: false, error: 'file_not_found' };
        file.title = stringOf(entry.title) ?? file.name;
        done.push({ id, name: file.name, url: options.filePath(id) });
      }
      if (done.length === 0) return { ok: false, error: 'invalid_arguments' };
      const channel = stringOf(args.channel_id);
      if (channel) {
        const text = stringOf(args.initial_comment) ?? '';
        workspace.post({ channel, author: bot, text, blocks: [], files: done, ...threadOf(args) });
      }
      return {
        ok: true,
        files: done.map((f) => ({
          id: f.id,
          name: f.name,
          title: workspace.file(f.id)?.title,
          url_private: `${options.baseUrl()}${f.url}`,
        })),
      };
    },
    'conversations.open': (args) => {
      const user = userIdSchema.safeParse(stringOf(args.users));
      if (!user.success) return { ok: false, error: 'user_not_found' };
      return { ok: true, channel: { id: workspace.openDirectMessage(user.data) } };
    },
    'usergroups.users.list': (args) => {
      const members = options.groups.get(stringOf(args.usergroup) ?? '');
      return members ? { ok: true, users: [...members] } : { ok: false, error: 'no_such_subteam' };
    },
  };

  /** Answer one call as Slack would: the token first, then the method; failures are reported to the watchers. */
  return function call(method: string, args: ApiArgs, token: string | undefined): ApiResult {
    // Own methods only: a name like `toString` must not reach Object.prototype.
    const handler = Object.hasOwn(methods, method) ? methods[method] : undefined;
    let result: ApiResult;
    if (!token) result = { ok: false, error: 'not_authed' };
    else if (options.botToken ? token !== options.botToken : !token.startsWith('xoxb-'))
      result = { ok: false, error: 'invalid_auth' };
    else if (!handler) result = { ok: false, error: 'unknown_method' };
    else result = handler(args);
    if (!result.ok) workspace.reportError(`The bot called ${method}: ${result.error}.`);
    return result;
  };
}

function threadOf(args: ApiArgs): { threadTs?: string } {
  const threadTs = stringOf(args.thread_ts);
  return threadTs ? { threadTs } : {};
}

/** Web API arguments: JSON, or form fields whose structured values (blocks, view, files) are JSON text. */
export function parseApiArgs(contentType: string, body: Buffer): ApiArgs {
  if (contentType.includes('application/json')) {
    const parsed = parseJson(body.toString('utf8'));
    return isRecord(parsed) ? parsed : {};
  }
  const args: ApiArgs = {};
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    args[key] = /^\s*[[{]/.test(value) ? (parseJson(value) ?? value) : value;
  }
  return args;
}

/** The token of a Web API call: `Authorization: Bearer …`, or a `token` argument. */
export function tokenOf(authorization: string | undefined, args: ApiArgs): string | undefined {
  return bearerToken(authorization) ?? stringOf(args.token);
}

export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** The file bytes of an upload: the first part of a multipart body, or the raw body. */
export function uploadedBytes(contentType: string, body: Buffer): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const first = body.indexOf(delimiter);
  const headersEnd = body.indexOf('\r\n\r\n', first);
  const next = body.indexOf(delimiter, headersEnd);
  if (first < 0 || headersEnd < 0 || next < 0) return body;
  return body.subarray(headersEnd + 4, next - 2);
}

import { createHmac } from 'node:crypto';

/**
 * Slack's request signature: `v0=HMAC-SHA256(secret, "v0:<timestamp>:<body>")`.
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POST a body to an app as Slack does: signed, a form unless `contentType` says otherwise. `signature` forges one. */
export function postSigned(
  url: string,
  body: string,
  request: { secret: string; timestamp: number; contentType?: string; signature?: string },
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': request.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(request.timestamp),
      'x-slack-signature': request.signature ?? slackSignature(request.secret, request.timestamp, body),
    },
    body,
  });
}

/** Who a request comes from: the workspace (team), the app, and the legacy verification token. */
export interface RequestOrigin {
  team: { id: string; domain: string };
  appId: string;
  token: string;
}

/** A slash command as Slack posts it: form fields. */
export function slashCommandForm(
  origin: RequestOrigin,
  command: {
    channel: { id: string; name: string };
    userId: string;
    text: string;
    responseUrl: string;
    triggerId: string;
  },
): string {
  return new URLSearchParams({
    token: origin.token,
    team_id: origin.team.id,
    team_domain: origin.team.domain,
    channel_id: command.channel.id,
    channel_name: command.channel.name,
    user_id: command.userId,
    user_name: command.userId.toLowerCase(),
    command: '/s3x',
    text: command.text,
    api_app_id: origin.appId,
    is_enterprise_install: 'false',
    response_url: command.responseUrl,
    trigger_id: command.triggerId,
  }).toString();
}

/** Text typed in a message's inputs, as Slack's `state.values`: block_id → action_id → input. */
export type InputState = Record<string, Record<string, { type: 'plain_text_input'; value: string | null }>>;

/** One button click as a `block_actions` payload, form-encoded as Slack sends it. */
export function blockActionsForm(
  origin: RequestOrigin,
  click: {
    userId: string;
    channel: { id: string; name: string };
    /** The message the button is in; its content is sent only for a message that is not ephemeral, as Slack does. */
    message: { ts: string; ephemeral: boolean; text?: string; blocks?: unknown[] };
    triggerId: string;
    state?: InputState;
    responseUrl: string;
    action: { actionId: string; blockId: string; text: string; value: string; actionTs: string };
  },
): string {
  const { message, action } = click;
  const payload = {
    type: 'block_actions',
    team: origin.team,
    user: { id: click.userId, username: click.userId.toLowerCase(), name: click.userId.toLowerCase(), team_id: origin.team.id },
    api_app_id: origin.appId,
    token: origin.token,
    container: { type: 'message', message_ts: message.ts, channel_id: click.channel.id, is_ephemeral: message.ephemeral },
    trigger_id: click.triggerId,
    ...(click.state ? { state: { values: click.state } } : {}),
    channel: click.channel,
    ...(message.ephemeral ? {} : { message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks } }),
    response_url: click.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: action.actionId,
        block_id: action.blockId,
        text: { type: 'plain_text', text: action.text },
        value: action.value,
        action_ts: action.actionTs,
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

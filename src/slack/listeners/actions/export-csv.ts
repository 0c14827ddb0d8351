import type { App, webApi } from '@slack/bolt';
import { csvOf } from '../../../answers/registry.js';
import { ACTIONS } from '../../ids.js';
import { isSharedIn } from '../answer-access.js';
import { onAnswerClick, refuse } from '../click-middleware.js';
import { type ButtonClick, slackErrorCode } from '../reply.js';
import type { ActionDeps } from './action-deps.js';

/**
 * Export CSV: every stored row, uploaded with files.uploadV2. An answer shared in this channel is
 * public here, so its export goes to the channel; a private answer's export goes to the clicker
 * alone, in their direct message with s3x, never into the channel.
 */
export function registerExportCsvAction(app: App, deps: ActionDeps): void {
  app.action<ButtonClick>(
    ACTIONS.exportCsv,
    ...onAnswerClick(deps, async ({ answer, answerId, body, respond, client, logger }) => {
      const channelId = body.channel?.id;
      const csv = csvOf(answer.reply);
      if (csv === undefined || !channelId) return refuse(respond, 'This answer has no rows to export.');
      const shared = isSharedIn(answer, channelId);
      try {
        const destination = shared ? channelId : await directMessageChannel(client, body.user.id);
        await client.filesUploadV2({
          channel_id: destination,
          filename: `s3x-${answer.command}-${answerId.slice(0, 8)}.csv`,
          title: `s3x ${answer.command} export`,
          content: csv,
          initial_comment: `<@${body.user.id}> exported ${rowCount(csv)} rows.`,
        });
        if (!shared)
          await respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: 'The CSV is in your direct messages with s3x (this answer is private until you share it).',
          });
      } catch (error) {
        const code = slackErrorCode(error);
        logger.warn(`Export CSV failed: ${code ?? (error instanceof Error ? error.message : 'unknown')}`);
        return refuse(
          respond,
          code === 'not_in_channel' || code === 'channel_not_found'
            ? 'Slack would not let s3x upload here: invite @s3x to this channel to export answers.'
            : 'The CSV upload to Slack failed. Try again in a minute.',
        );
      }
    }),
  );
}

/** The clicker's direct-message channel with the bot (conversations.open, scope im:write). */
async function directMessageChannel(client: webApi.WebClient, userId: string): Promise<string> {
  const opened = await client.conversations.open({ users: userId });
  const id = opened.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}

/** Data rows in the export (the CSV header is one line, and no field holds a raw line break). */
function rowCount(csv: string): number {
  return csv.trim().split('\r\n').length - 1;
}

import { webApi } from '@slack/bolt';
import type { Digest } from '../digest/digest.js';
import { buildDigestMessage } from './blocks/digest.js';

/** Anything with chat.postMessage: the app's client, or a WebClient made for the CLI. */
export interface DigestPoster {
  chat: { postMessage(args: { channel: string; text: string; blocks: unknown[] }): Promise<unknown> };
}

/** Post a digest to its channel. */
export async function postDigest(client: DigestPoster, channel: string, digest: Digest): Promise<void> {
  await client.chat.postMessage({
    channel,
    ...buildDigestMessage(digest, { csvNote: 'Run /s3x digest for the full CSV export.' }),
  });
}

/** A Web API client for `s3x digest --post` from an external scheduler (no Bolt app running). */
export function createWebClient(token: string, apiUrl?: string): DigestPoster {
  return new webApi.WebClient(token, { ...(apiUrl ? { slackApiUrl: apiUrl } : {}), retryConfig: { retries: 3 } });
}

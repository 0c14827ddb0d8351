import type { Digest } from '../answers/digest/question.js';
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

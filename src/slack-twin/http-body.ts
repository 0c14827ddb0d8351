import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {}

/** A request's whole body; throws BodyTooLarge past `limit` bytes, before reading the rest. */
export async function readBody(req: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** JSON text ('' counts as `{}`), or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return undefined;
  }
}

/** A request's body as JSON, or undefined when it is not JSON. */
export async function readJson(req: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<unknown> {
  return parseJson((await readBody(req, limit)).toString('utf8'));
}

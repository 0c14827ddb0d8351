import type { TwinEvent } from '../../src/slack-twin/events.js';

/**
 * Follow the console's event stream (server-sent events, one `data:` frame an event) as the page
 * does: every event is pushed to `events` until `signal` aborts or the app closes the stream.
 */
export async function followEventStream(url: string, events: TwinEvent[], signal: AbortSignal): Promise<Response> {
  const response = await fetch(url, { signal });
  const body = response.body;
  if (!body) throw new Error('no stream body');
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith('data: ')) events.push(JSON.parse(frame.slice(6)) as TwinEvent);
        }
      }
    } catch {
      // Closed by the app or aborted by the test.
    }
  })();
  return response;
}

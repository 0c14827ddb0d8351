import type { ServerResponse } from 'node:http';
import type { TwinMessage } from './workspace.js';

/** What the workspace tells its watchers (the console page): every change to a message, modal or error. */
export type TwinEvent =
  | { type: 'snapshot'; messages: TwinMessage[] }
  | { type: 'message'; message: TwinMessage }
  | { type: 'delete'; ts: string }
  | { type: 'modal'; userId: string; viewId: string; view: unknown }
  | { type: 'error'; text: string };

const HEARTBEAT_MS = 15_000;

/** The workspace's events as a server-sent event stream, one `data:` frame an event, to every open client. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  /** Keep `res` open as a stream, starting with `snapshot`; it leaves the stream when `onClose` fires. */
  attach(res: ServerResponse, snapshot: TwinEvent, onClose: (listener: () => void) => void): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(frameOf(snapshot));
    this.clients.add(res);
    // Comments keep idle connections (and proxies between) from timing out.
    this.heartbeat ??= setInterval(() => {
      for (const client of this.clients) client.write(': keep-alive\n\n');
    }, HEARTBEAT_MS).unref();
    onClose(() => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopHeartbeat();
    });
  }

  broadcast(event: TwinEvent): void {
    const frame = frameOf(event);
    for (const client of this.clients) client.write(frame);
  }

  /** Ends the open streams: an HTTP server cannot close while they are open. */
  close(): void {
    for (const client of this.clients) client.end();
    this.clients.clear();
    this.stopHeartbeat();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function frameOf(event: TwinEvent): string {
  return `data: ${JSON.stringify(event)}\n\n`;
}

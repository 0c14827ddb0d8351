import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/** What the app sent back for one envelope: Slack's ack, `{ envelope_id, payload? }`. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/**
 * A loopback stand-in for Slack's Socket Mode endpoint (the URL `apps.connections.open` returns):
 * on connect it says `hello`, then delivers envelopes (`slash_commands`, `interactive`,
 * `events_api`) with an `envelope_id` each, and collects the app's acknowledgements.
 */
export class SocketModeServer {
  readonly acks: SocketAck[] = [];
  /** Messages from the app that are not an ack of a known envelope. */
  readonly strays: unknown[] = [];
  private server?: WebSocketServer;
  private socket?: WebSocket;
  private connected?: Promise<WebSocket>;
  private readonly pending = new Map<string, (ack: SocketAck) => void>();
  /** How many connections the app opened, and how many it closed. */
  opened = 0;
  closed = 0;

  /** Start listening; the URL is what the fake Web API's `apps.connections.open` returns. */
  async start(): Promise<string> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    this.connected = new Promise((resolve) => {
      server.on('connection', (socket) => {
        this.opened++;
        this.socket = socket;
        socket.on('message', (data) => this.receive(String(data)));
        socket.on('close', () => this.closed++);
        socket.send(
          JSON.stringify({
            type: 'hello',
            num_connections: 1,
            debug_info: { host: 'applink-test', build_number: 1, approximate_connection_time: 18060 },
            connection_info: { app_id: 'A0TEST' },
          }),
        );
        resolve(socket);
      });
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/?ticket=test-ticket&app_id=A0TEST`;
  }

  /** Deliver one envelope and resolve with the app's ack of it. */
  async deliver(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
    acceptsResponsePayload = type !== 'events_api',
  ): Promise<SocketAck> {
    const socket = await (this.connected as Promise<WebSocket>);
    const envelopeId = randomUUID();
    const acked = new Promise<SocketAck>((resolve) => this.pending.set(envelopeId, resolve));
    socket.send(JSON.stringify({ envelope_id: envelopeId, payload, type, accepts_response_payload: acceptsResponsePayload }));
    return acked;
  }

  async stop(): Promise<void> {
    this.socket?.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as SocketAck;
    const resolve = this.pending.get(message.envelope_id);
    if (!resolve) {
      this.strays.push(message);
      return;
    }
    this.pending.delete(message.envelope_id);
    this.acks.push(message);
    resolve(message);
  }
}

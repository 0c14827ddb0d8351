/**
 * Bare Bolt: the same HTTP receiver and signing secret as s3x, a command handler that only acks.
 * Plain JavaScript so that a whole process of it starts as fast as Bolt can (no tsx):
 *
 *   node bench/bare-bolt.mjs     prints `listening on <port>` once it listens (the start-up reference)
 *
 * bench/ack-throughput.ts starts it in its own app process as the ack-cost reference.
 */
import { App, LogLevel } from '@slack/bolt';

/** Start bare Bolt on `port` (0: any free port); resolves once it listens. */
export async function startBareBolt({ signingSecret, eventsPath, command, port = 0 }) {
  const app = new App({
    token: 'xoxb-bench',
    signingSecret,
    endpoints: eventsPath,
    logLevel: LogLevel.ERROR,
    botId: 'B',
    botUserId: 'U',
    tokenVerificationEnabled: false,
  });
  app.command(command, async ({ ack }) => {
    await ack();
  });
  const server = await app.start(port);
  return { port: server.address().port, stop: () => app.stop().then(() => undefined) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { port } = await startBareBolt({ signingSecret: 'bench-secret', eventsPath: '/slack/events', command: '/s3x' });
  console.log(`listening on ${port}`);
}

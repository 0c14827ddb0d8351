import { type ConsoleRoutes, consoleRoutes } from '../../src/console/console-routes.js';
import { createSlackApp, type SlackApp, type SlackAppDeps } from '../../src/slack/app.js';
import { freePort } from '../process/harness.js';
import { SIGNING_SECRET } from './slack.js';

export interface BoltWithConsole {
  slack: SlackApp;
  console: ConsoleRoutes;
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Bolt and the console on one free port, as local mode runs them: the console plays Slack (signed
 * requests, Web API) for the app. The console signs with `signingSecret` (the app's by default).
 */
export async function startBoltWithConsole(
  deps: SlackAppDeps,
  options: { botToken: string; signingSecret?: string; eventsUrl?: () => string },
): Promise<BoltWithConsole> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const console = consoleRoutes({
    signingSecret: options.signingSecret ?? SIGNING_SECRET,
    baseUrl: () => base,
    ...(options.eventsUrl ? { eventsUrl: options.eventsUrl } : {}),
    botToken: options.botToken,
  });
  const slack = createSlackApp(
    {
      botToken: options.botToken,
      signingSecret: SIGNING_SECRET,
      port,
      logLevel: 'error',
      apiUrl: `${base}${console.apiPath}`,
      botIdentity: { botId: 'BLOCALS3X', botUserId: 'ULOCALS3X' },
      extraRoutes: console.routes,
    },
    deps,
  );
  await slack.start();
  return {
    slack,
    console,
    base,
    port,
    async stop() {
      console.close();
      await slack.stop();
    },
  };
}

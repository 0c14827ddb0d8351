import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';
import { type ConsoleRoutes, consoleRoutes } from '../console/console-routes.js';
import type { SlackAppOptions } from '../slack/app.js';

/**
 * How the Bolt app meets Slack: the workspace's tokens in Slack mode; locally, the console on the
 * same port plays Slack (signed requests, the Web API) so the bot runs its real path.
 */
export async function slackOptions(
  config: Config,
  servedPort: () => number,
): Promise<{ options: SlackAppOptions; console?: ConsoleRoutes }> {
  const common = { port: config.port, host: config.host, logLevel: config.logLevel, apiUrl: config.slack.apiUrl };
  if (config.mode === 'slack' && config.slack.botToken) {
    return {
      options: {
        ...common,
        botToken: config.slack.botToken,
        signingSecret: config.slack.signingSecret,
        appToken: config.slack.appToken,
      },
    };
  }
  // Local mode: no workspace. The console on the same port signs every request like Slack does and
  // plays the Web API, so the bot runs its real path; the secret is kept in the data dir.
  const signingSecret = await localSigningSecret(config.dataDir);
  // A new bot token each start: the console's Web API answers only the bot that was given it.
  const botToken = `xoxb-local-${randomBytes(24).toString('hex')}`;
  const baseUrl = () => `http://${urlHost(config.host)}:${servedPort()}`;
  const console = consoleRoutes({ signingSecret, baseUrl, botToken });
  return {
    console,
    options: {
      ...common,
      apiUrl: config.slack.apiUrl ?? `${baseUrl()}${console.apiPath}`,
      botToken,
      signingSecret,
      botIdentity: { botId: 'BLOCALS3X', botUserId: 'ULOCALS3X' },
      extraRoutes: console.routes,
    },
  };
}

/** The host part of a URL to the served address: a wildcard address is reached on loopback. */
export function urlHost(host: string | undefined): string {
  if (!host || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

async function localSigningSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'local-signing-secret');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}

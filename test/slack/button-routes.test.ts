import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { routeButtons } from '../../src/slack/listeners/button-routes.js';

type Listener = (args: Record<string, unknown>) => Promise<void>;

/** An app that records what is registered on it, so the one listener can be called directly. */
function recordingApp(): { app: App; registered: Array<{ constraints: unknown; listener: Listener }> } {
  const registered: Array<{ constraints: unknown; listener: Listener }> = [];
  const app = { action: (constraints: unknown, listener: Listener) => registered.push({ constraints, listener }) };
  return { app: app as unknown as App, registered };
}

function click(actionId: string): Record<string, unknown> {
  return { action: { action_id: actionId }, body: { type: 'block_actions' } };
}

describe('routeButtons', () => {
  it('gives Bolt one listener, which runs the clicked button’s chain in order', async () => {
    // Prepare
    const { app, registered } = recordingApp();
    const { buttons, listen } = routeButtons(app);
    const calls: string[] = [];
    buttons.action(
      'approve',
      async ({ next }) => {
        calls.push('check');
        await next();
        calls.push('check done');
      },
      async () => {
        calls.push('listener');
      },
    );
    buttons.action(/^deny_\d+$/, async () => {
      calls.push('deny');
    });
    listen();
    // Act
    await registered[0]?.listener(click('approve'));
    await registered[0]?.listener(click('deny_7'));
    await registered[0]?.listener(click('unknown'));
    // Assess
    expect(registered).toHaveLength(1);
    expect(registered[0]?.constraints).toEqual({ type: 'block_actions' });
    expect(calls).toEqual(['check', 'listener', 'check done', 'deny']);
  });

  it('refuses a second route for the same action_id', () => {
    const { buttons } = routeButtons(recordingApp().app);
    buttons.action('approve', async () => undefined);
    expect(() => buttons.action('approve', async () => undefined)).toThrow(/two buttons route approve/);
  });
});

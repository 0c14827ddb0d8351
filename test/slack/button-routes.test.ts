import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { routeButtons } from '../../src/slack/listeners/button-routes.js';

type ClickArgs = Parameters<ReturnType<typeof routeButtons>['click']>[0];

/** Routes register on the app's facade only: nothing reaches Bolt itself. */
function recordingApp(): App {
  return {} as unknown as App;
}

function click(actionId: string): ClickArgs {
  return { action: { action_id: actionId }, body: { type: 'block_actions' } } as unknown as ClickArgs;
}

describe('routeButtons', () => {
  it('runs the clicked button’s chain in order, and leaves what is no click on a route to the app', async () => {
    // Prepare
    const { buttons, click: route } = routeButtons(recordingApp());
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
    // Act
    await route(click('approve'));
    await route(click('deny_7'));
    const unknown = route(click('unknown'));
    const command = route({ command: { command: '/s3x' }, body: { command: '/s3x' } } as unknown as ClickArgs);
    // Assess
    expect(calls).toEqual(['check', 'listener', 'check done', 'deny']);
    expect(unknown).toBeUndefined();
    expect(command).toBeUndefined();
  });

  it('refuses a second route for the same action_id', () => {
    const { buttons } = routeButtons(recordingApp());
    buttons.action('approve', async () => undefined);
    expect(() => buttons.action('approve', async () => undefined)).toThrow(/two buttons route approve/);
  });
});

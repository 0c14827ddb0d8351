import { RespondError } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { guarded, replyTo } from '../../src/slack/listeners/reply.js';
import { INTERNALS } from './harness.js';

/** Just what `guarded` and `replyTo` touch of a listener's arguments, recording what they do. */
function fakeArgs(options: { respondFails?: number; ephemeralFails?: boolean; command?: boolean } = {}) {
  const acks: unknown[][] = [];
  const responded: Array<Record<string, unknown>> = [];
  const ephemerals: Array<Record<string, unknown>> = [];
  const logs: string[] = [];
  const log = (...parts: unknown[]) => {
    logs.push(parts.map(String).join(' '));
  };
  const args = {
    ...(options.command ? { command: { user_id: 'U1', channel_id: 'C1' } } : {}),
    ack: async (...a: unknown[]) => {
      acks.push(a);
    },
    respond: async (message: Record<string, unknown>) => {
      if (options.respondFails)
        throw new RespondError(`Failed to respond to the response_url: ${options.respondFails} Not Found`, options.respondFails);
      responded.push(message);
      return new Response('ok');
    },
    client: {
      chat: {
        postEphemeral: async (message: Record<string, unknown>) => {
          if (options.ephemeralFails)
            throw Object.assign(new Error('An API error occurred: not_in_channel'), { data: { error: 'not_in_channel' } });
          ephemerals.push(message);
        },
        postMessage: async () => ({}),
      },
    },
    logger: { debug: log, info: log, warn: log, error: log, setLevel: () => {}, getLevel: () => 'info', setName: () => {} },
    context: {},
    next: async () => {},
  };
  return { args, acks, responded, ephemerals, logs };
}

type AnyArgs = Parameters<Parameters<typeof guarded>[1]>[0];
const who = () => ({ what: 'button s3x_test', userId: 'U1', channelId: 'C1' });

function run(handler: (args: AnyArgs) => Promise<void>, fake: ReturnType<typeof fakeArgs>): Promise<void> {
  // The fake carries only what the guard uses; the cast stands in for Bolt's full argument object.
  return guarded(who, handler)(fake.args as unknown as Parameters<ReturnType<typeof guarded>>[0]);
}

describe('guarded listeners', () => {
  it('an unexpected error after the ack: logged with a reference, told in safe words, no stack in Slack', async () => {
    const fake = fakeArgs();
    await run(async ({ ack }) => {
      await ack();
      throw new TypeError("Cannot read properties of undefined (reading 'plan') at /srv/s3x/dist/x.js:12:3");
    }, fake);
    expect(fake.responded).toHaveLength(1);
    const text = JSON.stringify(fake.responded[0]);
    expect(text).toMatch(/Something went wrong on our side \(ref: [0-9a-f]{8}\)/);
    expect(text).not.toMatch(INTERNALS);
    expect(text).not.toContain('/srv/s3x');
    expect(fake.logs.some((line) => /button s3x_test failed \(ref [0-9a-f]{8}\)/.test(line))).toBe(true);
  });

  it('an error before a command was acknowledged: the ack carries the message (no Slack timeout)', async () => {
    const fake = fakeArgs({ command: true });
    await run(async () => {
      throw new StoreError('s3x could not save this answer: its state database is busy. Try again in a minute.', {
        reason: 'its state database is busy',
      });
    }, fake);
    expect(fake.acks).toHaveLength(1);
    expect(JSON.stringify(fake.acks[0])).toContain('its state database is busy. Try again in a minute.');
    expect(fake.responded).toEqual([]);
  });

  it('an error before a click was acknowledged: acknowledged, then told through the response_url', async () => {
    const fake = fakeArgs();
    await run(async () => {
      throw new Error('boom');
    }, fake);
    expect(fake.acks).toEqual([[]]);
    expect(JSON.stringify(fake.responded[0])).toMatch(/Something went wrong on our side/);
  });
});

describe('replyTo', () => {
  it('falls back to chat.postEphemeral for the same person when the response_url is gone', async () => {
    const fake = fakeArgs({ respondFails: 404 });
    const reply = replyTo({ ...fake.args, userId: 'U1', channelId: 'C1', what: 'the answer' } as never);
    await reply({ response_type: 'ephemeral', text: 'hello', blocks: [] });
    expect(fake.ephemerals).toEqual([{ channel: 'C1', user: 'U1', text: 'hello', blocks: [] }]);
    expect(fake.logs).toEqual(['response_url failed (HTTP 404); delivered the answer with the Web API instead']);
  });

  it('never throws: when the fallback fails too, one clear log line', async () => {
    const fake = fakeArgs({ respondFails: 410, ephemeralFails: true });
    const reply = replyTo({ ...fake.args, userId: 'U1', channelId: 'C1', what: 'the answer' } as never);
    await expect(reply({ text: 'hello' })).resolves.toBeUndefined();
    expect(fake.logs).toEqual([
      'could not deliver the answer to U1: response_url failed (HTTP 410), and the Web API fallback failed too (not_in_channel)',
    ]);
  });
});

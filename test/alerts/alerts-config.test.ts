import { describe, expect, it } from 'vitest';
import { checkServeConfig, loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/s3x-alerts';
const SLACK = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'secret' };

describe('alert settings', () => {
  it('defaults: alerts on, default rules, no queue, a live sample file every 5 s', () => {
    const config = loadConfig({});
    expect(config.alerts).toEqual({ enabled: true, rulesFile: undefined, channel: undefined });
    expect(config.sampleLiveMs).toBe(5000);
  });

  it('the queue needs AWS_REGION and a queue URL; its visibility is bounded', () => {
    expect(() => loadConfig({ ...SLACK, S3X_ALERTS_QUEUE_URL: QUEUE })).toThrow(
      /AWS_REGION: is required with S3X_ALERTS_QUEUE_URL/,
    );
    expect(() => loadConfig({ ...SLACK, AWS_REGION: 'us-east-1', S3X_ALERTS_QUEUE_URL: 'https://example.com/queue' })).toThrow(
      /S3X_ALERTS_QUEUE_URL/,
    );
    expect(() =>
      loadConfig({ ...SLACK, AWS_REGION: 'us-east-1', S3X_ALERTS_QUEUE_URL: QUEUE, S3X_ALERTS_VISIBILITY_SECONDS: '1' }),
    ).toThrow(/S3X_ALERTS_VISIBILITY_SECONDS/);
    const config = loadConfig({ ...SLACK, AWS_REGION: 'us-east-1', S3X_ALERTS_QUEUE_URL: QUEUE, S3X_ALERTS_CHANNEL: 'C0ALERTS' });
    expect(config.alerts).toMatchObject({
      channel: 'C0ALERTS',
      queue: { url: QUEUE, region: 'us-east-1', visibilitySeconds: 60 },
    });
  });

  it('local mode (the unauthenticated console) refuses the AWS queue', () => {
    const local = loadConfig({ AWS_REGION: 'us-east-1', S3X_ALERTS_QUEUE_URL: QUEUE });
    expect(() => checkServeConfig(local)).toThrow(ConfigError);
    expect(() => checkServeConfig(local)).toThrow(/S3X_ALERTS_QUEUE_URL/);
    expect(() => checkServeConfig(loadConfig({ ...SLACK, AWS_REGION: 'us-east-1', S3X_ALERTS_QUEUE_URL: QUEUE }))).not.toThrow();
  });

  it('a bad alerts channel or switch is refused at start', () => {
    expect(() => loadConfig({ S3X_ALERTS_CHANNEL: '#security' })).toThrow(/S3X_ALERTS_CHANNEL/);
    expect(() => loadConfig({ S3X_ALERTS: 'maybe' })).toThrow(/S3X_ALERTS/);
  });
});

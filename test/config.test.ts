import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkServeConfig, configSchema, describeConfig, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { REPO_ROOT } from './helpers/paths.js';

describe('loadConfig', () => {
  it('defaults to local mode on port 3000 with data in ./.s3x', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, mode: 'local', engine: 'local', dataDir: './.s3x' });
  });
  it('switches to Slack mode with a bot token and signing secret', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', PORT: '8080' });
    expect(config).toMatchObject({ mode: 'slack', port: 8080 });
  });
  it('listens on 127.0.0.1 in local mode and on every interface in Slack mode, unless S3X_HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' }).host).toBeUndefined();
    expect(loadConfig({ S3X_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ S3X_HOST: '::1' }).host).toBe('::1');
    expect(() => loadConfig({ S3X_HOST: 'evil.example/x' })).toThrow(/S3X_HOST/);
  });
  it('treats empty strings as unset', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: '', S3X_LOGS_DIR: ' ' })).toMatchObject({ mode: 'local', logsDir: undefined });
  });
  it('lists every bad setting in one message', () => {
    try {
      loadConfig({ PORT: 'eighty', SLACK_BOT_TOKEN: 'not-a-token', S3X_ENGINE: 'bigquery', SLACK_API_URL: 'nope' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as ConfigError).userMessage;
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/SLACK_BOT_TOKEN: must start with xoxb-/);
      expect(message).toMatch(/S3X_ENGINE/);
      expect(message).toMatch(/SLACK_API_URL/);
    }
  });
  it('requires a signing secret or app token with a bot token', () => {
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(/SLACK_SIGNING_SECRET/);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.appToken).toBe('xapp-1');
  });
  it('never prints secrets when described', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-secret-123456', SLACK_SIGNING_SECRET: 'topsecretvalue' });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('secret-123456');
    expect(text).not.toContain('topsecretvalue');
  });

  it('reads the Athena settings with defaults and requires a region', () => {
    expect(() => loadConfig({ S3X_ENGINE: 'athena' })).toThrow(/AWS_REGION: is required/);
    const config = loadConfig({
      S3X_ENGINE: 'athena',
      AWS_REGION: 'eu-west-1',
      ATHENA_REGIONS: 'us-east-1,eu-west-1',
      ATHENA_PARTITIONED: 'false',
      S3X_MAX_SCAN_BYTES: '10000000000',
    });
    expect(config.athena).toMatchObject({
      region: 'eu-west-1',
      database: 'cloudtrail',
      table: 'cloudtrail_logs',
      workgroup: 'primary',
      catalog: 'AwsDataCatalog',
      partitioned: false,
      regions: ['us-east-1', 'eu-west-1'],
      queryTimeoutMs: 300_000,
      resultReuseMinutes: 5,
    });
    expect(config.maxScanBytes).toBe(10_000_000_000);
  });
  it.each([
    ['ATHENA_TABLE', 'logs; drop table x'],
    ['ATHENA_DATABASE', 'Db-1'],
    ['ATHENA_OUTPUT_LOCATION', 'https://bucket/'],
    ['S3X_TRAIL_LOGS_LOCATION', 'org-logs/prefix'],
    ['ATHENA_REGIONS', 'us-east-1;eu-west-1'],
    ['ATHENA_PARTITIONED', 'maybe'],
    ['S3X_MAX_SCAN_BYTES', '10GB'],
  ])('rejects %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('reads S3X_TRAIL_LOGS_LOCATION as the trail bucket and prefix before AWSLogs/', () => {
    expect(loadConfig({ S3X_TRAIL_LOGS_LOCATION: 's3://org-logs/ct/' }).athena.trailLogs).toEqual({
      bucket: 'org-logs',
      prefix: 'ct',
    });
    expect(loadConfig({ S3X_TRAIL_LOGS_LOCATION: 's3://org-logs' }).athena.trailLogs).toEqual({ bucket: 'org-logs', prefix: '' });
    expect(loadConfig({}).athena.trailLogs).toBeUndefined();
  });

  it('refuses to serve in local mode (the unauthenticated console) with Athena or DynamoDB; the CLI may still use Athena', () => {
    const athena = loadConfig({ S3X_ENGINE: 'athena', AWS_REGION: 'us-east-1', AWS_ACCOUNT_ID: '111122223333' });
    expect(athena.mode).toBe('local');
    expect(() => checkServeConfig(athena)).toThrow(ConfigError);
    expect(() => checkServeConfig(athena)).toThrow(/SLACK_BOT_TOKEN: is required with S3X_ENGINE=athena/);
    const dynamo = loadConfig({ S3X_STORE: 'dynamodb', S3X_DYNAMODB_TABLE: 's3x', AWS_REGION: 'us-east-1' });
    expect(() => checkServeConfig(dynamo)).toThrow(/S3X_STORE=dynamodb/);
    expect(() => checkServeConfig(loadConfig({}))).not.toThrow();
    expect(() =>
      checkServeConfig(
        loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', S3X_ENGINE: 'athena', AWS_REGION: 'us-east-1' }),
      ),
    ).not.toThrow();
  });

  it("documents every setting of the schema in the README's configuration table", () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    const documented = new Set(
      rows.flatMap((row) => [...(row.split(' | ')[0] ?? '').matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])),
    );
    const missing = Object.keys(configSchema.shape).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});

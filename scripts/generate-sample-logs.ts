/**
 * Writes a deterministic sample CloudTrail archive (S3 Express + S3 data events, trail and bucket
 * management events) for the local engine.
 *
 *   tsx scripts/generate-sample-logs.ts --out DIR [--seed N] [--days N] [--events-per-day N] [--end ISO]
 *                                       [--account-id ID] [--region R] [--facts]
 *
 * Prints the summary as JSON; planted ground truth only with --facts.
 */
import { parseArgs } from 'node:util';
import { generateArchive } from '../src/sample/generate.js';

function parseNumber(name: string, value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`--${name} must be a number, got ${JSON.stringify(value)}`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      'events-per-day': { type: 'string' },
      end: { type: 'string' },
      'account-id': { type: 'string' },
      region: { type: 'string' },
      facts: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help || values.out === undefined) {
    process.stderr.write(
      'usage: tsx scripts/generate-sample-logs.ts --out DIR [--seed N] [--days N] [--events-per-day N] [--end ISO] [--account-id ID] [--region R] [--facts]\n',
    );
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  // The CLI (not the library) may read the clock: default end is "now".
  const end = values.end === undefined ? new Date() : new Date(values.end);
  if (Number.isNaN(end.getTime())) throw new Error(`--end must be an ISO date, got ${JSON.stringify(values.end)}`);

  const started = performance.now();
  const summary = await generateArchive({
    outDir: values.out,
    seed: values.seed === undefined ? 1 : parseNumber('seed', values.seed),
    end,
    // Days and events per day default to the generator's own defaults.
    ...(values.days === undefined ? {} : { days: parseNumber('days', values.days) }),
    ...(values['events-per-day'] === undefined ? {} : { eventsPerDay: parseNumber('events-per-day', values['events-per-day']) }),
    ...(values['account-id'] === undefined ? {} : { accountId: values['account-id'] }),
    ...(values.region === undefined ? {} : { region: values.region }),
  });
  const elapsedMs = Math.round(performance.now() - started);
  const { facts, ...counts } = summary;
  const output = values.facts ? { ...counts, elapsedMs, facts } : { ...counts, elapsedMs };
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});

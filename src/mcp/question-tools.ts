import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type AnswerDeps, answerRequest } from '../answers/answer-request.js';
import { commandWords, propertyName } from '../commands/command-words.js';
import { findSubcommand, type OptionName, type SubcommandSpec } from '../commands/grammar.js';
import { parseCommand } from '../commands/parse.js';
import type { CommandName } from '../commands/requests.js';
import { S3xError, userMessageOf } from '../errors.js';
import { escapeUnsafeJson } from '../text/safe-text.js';

/** The questions an assistant may ask: read-only, one tool each, named as the subcommand. */
export const QUESTION_TOOLS = [
  'who-deleted',
  'who-wrote',
  'who-read',
  'history',
  'activity',
  'principal',
  'denied',
  'bucket-events',
  'status',
  'digest',
] as const satisfies readonly CommandName[];

const WHEN = 'relative (30m, 24h, 7d, 2w) or absolute UTC (2024-07-01, 2024-07-01T12:00Z); the default window is the last 7 days';

/** What each grammar option means, for the assistant reading the schema. */
const OPTION_DESCRIPTIONS: Partial<Record<OptionName, string>> = {
  bucket: 'Bucket name; one ending in --x-s3 is a directory bucket. Without it, both kinds of bucket are searched.',
  prefix:
    'Instead of the key: a key prefix, matched literally (% and _ are ordinary characters); answers what was deleted under it, per key.',
  since: `Start of the window: ${WHEN}.`,
  until: `End of the window: ${WHEN}. A bare date means the end of that day.`,
  date: 'The day, YYYY-MM-DD (default: yesterday in the digest time zone).',
};

/** The tool's input schema, read off the grammar: the positional argument and the options, all strings. */
export function inputShapeFor(spec: SubcommandSpec): Record<string, z.ZodType<string | undefined>> {
  const shape: Record<string, z.ZodType<string | undefined>> = {};
  if (spec.positional) {
    const positional = z.string().min(1).describe(`The ${spec.positional.name}. Usage: s3x ${spec.usage}`);
    shape[propertyName(spec.positional.name)] = spec.positional.required ? positional : positional.optional();
  }
  for (const option of spec.options) {
    shape[propertyName(option)] = z
      .string()
      .min(1)
      .optional()
      .describe(OPTION_DESCRIPTIONS[option] ?? `--${option}`);
  }
  return shape;
}

/** How a tool call is logged: one line per call, with who called. */
export interface ToolLog {
  /** One line per tool call, with who called (stderr: stdout is the protocol on stdio). */
  log: (line: string) => void;
  /** The calling client, as it named itself at initialize (and, over HTTP, its address). */
  caller: () => string;
}

export interface ToolContext extends ToolLog {
  deps: AnswerDeps;
  /** The CLI's `--format json` renderer: the reply's JSON text, or an error for a reply it has no JSON for. */
  renderJson: (reply: Awaited<ReturnType<typeof answerRequest>>) => string;
}

const REPORT_CAVEATS =
  'Structured output is exactly `s3x ... --format json`. Report its coverage, searched window and freshness ' +
  '(scanned.newestEventTime, unreadable files) with the answer: an empty answer is "nobody did it" only when coverage says the window was logged.';

/** Register one read-only tool per question. */
export function registerQuestionTools(server: McpServer, context: ToolContext): void {
  for (const name of QUESTION_TOOLS) {
    const spec = findSubcommand(name) as SubcommandSpec;
    server.registerTool(
      name,
      {
        title: `s3x ${name}`,
        description: `${spec.summary}. Usage: s3x ${spec.usage}. ${REPORT_CAVEATS}`,
        inputSchema: inputShapeFor(spec),
        outputSchema: z.looseObject({}),
        annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      },
      (args: Record<string, string | undefined>) => callQuestion(spec, args, context),
    );
  }
}

function callQuestion(
  spec: SubcommandSpec,
  args: Record<string, string | undefined>,
  context: ToolContext,
): Promise<CallToolResult> {
  return loggedToolCall(spec.name, args, context, async () => {
    const request = parseCommand(commandWords(spec, args), context.deps.now(), context.deps.limits);
    return context.renderJson(await answerRequest(request, context.deps));
  });
}

/**
 * Run one tool call and log it with its caller and outcome. `work` returns the JSON text (or the
 * object) the tool answers; an error becomes a tool error with its user-safe message.
 */
export async function loggedToolCall(
  tool: string,
  args: Record<string, string | undefined>,
  context: ToolLog,
  work: () => Promise<string | Record<string, unknown>>,
): Promise<CallToolResult> {
  const started = Date.now();
  const logCall = (outcome: string) =>
    context.log(`tool ${tool} caller=${context.caller()} args=${JSON.stringify(args)} ${outcome} (${Date.now() - started} ms)`);
  try {
    const answer = await work();
    const json = typeof answer === 'string' ? answer : escapeUnsafeJson(JSON.stringify(answer, null, 2));
    logCall('answered');
    return {
      content: [{ type: 'text', text: json }],
      structuredContent: JSON.parse(json) as Record<string, unknown>,
    };
  } catch (error) {
    logCall(
      error instanceof S3xError ? `refused: ${error.code}` : `failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    return { isError: true, content: [{ type: 'text', text: userMessageOf(error).replaceAll('`', '') }] };
  }
}

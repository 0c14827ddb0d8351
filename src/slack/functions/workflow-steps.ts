import type { AllMiddlewareArgs, AnyMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { checkAccess } from '../../access/access-policy.js';
import { answerRequest, type Reply } from '../../answers/answer-request.js';
import { describeAnswer, describeCoverageCaveat, describePrincipal } from '../../answers/object/formats.js';
import { describeUnreadableAndFreshness } from '../../answers/wording/scan-facts.js';
import { REMEDIATION_OFF } from '../../approvals/approval-service.js';
import { commandWords } from '../../commands/command-words.js';
import { findSubcommand, type SubcommandSpec } from '../../commands/grammar.js';
import { parseCommand } from '../../commands/parse.js';
import { userMessageOf } from '../../errors.js';
import { PLAIN_MARKUP } from '../../text/markup.js';
import { WORKFLOW_STEPS } from '../ids.js';
import { requestApproval } from '../listeners/change-flow.js';
import type { CommandDeps } from '../listeners/s3x-command.js';

type StepArgs = SlackEventMiddlewareArgs<'function_executed'> & AllMiddlewareArgs;

/** A step input as text: Workflow Builder sends strings (and user / channel ids as strings). */
function textInput(inputs: Record<string, unknown>, name: string): string | undefined {
  const value = inputs[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

type Step = (args: StepArgs, deps: CommandDeps, requester: string) => Promise<void>;

const STEPS: Record<string, Step> = {
  [WORKFLOW_STEPS.whoTouchedObject]: whoTouchedObject,
  [WORKFLOW_STEPS.requestLoggingChange]: requestLoggingChange,
};

/**
 * Workflow Builder custom steps (manifest.yml `functions`). Each step is authorized like a slash
 * command, for the `requester` input (the workflow should pass "Person who used this workflow").
 * Routed by callback id from the app's global middleware, not a Bolt listener: Bolt runs every
 * listener's middleware for every request, slash commands included. Like `app.function`, a step's
 * event is acknowledged before it runs. Undefined when the request is no `function_executed` event
 * of a known step (an unknown callback id is then left unacknowledged, as when no listener matched it).
 */
export function workflowSteps(deps: CommandDeps): (args: AnyMiddlewareArgs & AllMiddlewareArgs) => Promise<void> | undefined {
  return (args) => {
    if (args.body.type !== 'event_callback' || !('event' in args) || args.event.type !== 'function_executed') return undefined;
    const stepArgs = args as unknown as StepArgs;
    const callbackId = stepArgs.event.function.callback_id;
    const step = Object.hasOwn(STEPS, callbackId) ? STEPS[callbackId] : undefined;
    if (!step) return undefined;
    return stepArgs.ack().then(() => runStep(stepArgs, deps, step));
  };
}

/** Refuse an unauthorized requester; any error fails the step with a message the workflow shows. */
async function runStep(args: StepArgs, deps: CommandDeps, step: Step): Promise<void> {
  const { inputs, fail, logger, event } = args;
  try {
    const requester = textInput(inputs, 'requester');
    if (!requester) {
      await fail({ error: 'This step needs the person who runs the workflow as its `requester` input.' });
      return;
    }
    const decision = await checkAccess(deps.access, { userId: requester, channelId: textInput(inputs, 'channel') }, deps.groups);
    if (!decision.allowed) {
      await fail({ error: decision.reason });
      return;
    }
    await step(args, deps, requester);
  } catch (error) {
    logger.error(`workflow step ${event.function.callback_id} failed: ${error instanceof Error ? error.message : String(error)}`);
    await fail({ error: userMessageOf(error) });
  }
}

/** "Who touched an object": the key's history in the window; principals, last event, coverage out. */
async function whoTouchedObject({ inputs, complete }: StepArgs, deps: CommandDeps): Promise<void> {
  const spec = findSubcommand('history') as SubcommandSpec;
  const words = commandWords(spec, {
    key: textInput(inputs, 'key'),
    bucket: textInput(inputs, 'bucket'),
    since: textInput(inputs, 'window'),
  });
  const reply = await answerRequest(parseCommand(words, deps.now(), deps.limits), deps);
  if (reply.kind !== 'object-answer') throw new Error(`history answered with a ${reply.kind} reply`);
  await complete({ outputs: whoTouchedOutputs(reply) });
}

/** The step's outputs, in the same words as the answer in Slack and the terminal. */
export function whoTouchedOutputs(reply: Extract<Reply, { kind: 'object-answer' }>): Record<string, string> {
  const { answer, coverage, missingLogs } = reply;
  const exact = answer.events.filter((event) => event.evidence === 'exact');
  const principals = [...new Set(exact.map((event) => describePrincipal(event, PLAIN_MARKUP)))];
  const latest = exact.reduce<(typeof exact)[number] | undefined>(
    (newest, event) => (newest === undefined || event.eventTime > newest.eventTime ? event : newest),
    undefined,
  );
  const caveat = coverage ? `Logging coverage: ${coverage.note}` : (missingLogs ?? describeCoverageCaveat(answer, PLAIN_MARKUP));
  return {
    summary: describeAnswer(answer, PLAIN_MARKUP),
    principals: principals.join('\n') || 'none',
    last_event: latest ? `${latest.eventTime} ${latest.eventName} by ${describePrincipal(latest, PLAIN_MARKUP)}` : 'none',
    coverage: [...(caveat ? [caveat] : []), ...describeUnreadableAndFreshness(answer.stats, PLAIN_MARKUP)].join(' '),
  };
}

/**
 * "Request a logging change": plan enable-logging for the bucket and post it for approval in the
 * channel. The step is completed later, when the request is approved (and applied or failed),
 * rejected or expired: `completeWorkflowStep`, from the approval flow's final states.
 */
async function requestLoggingChange(
  { inputs, complete, fail, client, event }: StepArgs,
  deps: CommandDeps,
  requester: string,
): Promise<void> {
  const channel = textInput(inputs, 'channel');
  if (!channel) {
    await fail({ error: 'This step needs the channel where approvers see the request (`channel` input).' });
    return;
  }
  const { approvals } = deps;
  if (!approvals) {
    await fail({ error: REMEDIATION_OFF });
    return;
  }
  const parsed = parseCommand(
    commandWords(findSubcommand('enable-logging') as SubcommandSpec, { bucket: textInput(inputs, 'bucket') }),
    deps.now(),
  );
  if (parsed.command !== 'enable-logging') throw new Error('enable-logging did not parse as enable-logging');
  const outcome = await requestApproval(
    approvals,
    client,
    { kind: 'enable-logging', target: parsed.target },
    { userId: requester, channelId: channel },
    // Recorded before the request is posted, so even the quickest approval finds the step to complete.
    (draft) => approvals.attachWorkflowStep(draft.id, event.function_execution_id),
  );
  if (!outcome.ok) {
    await fail({ error: outcome.reason });
    return;
  }
  if (outcome.request.state === 'draft')
    await complete({ outputs: { request_id: outcome.request.id, outcome: 'not_needed', detail: outcome.request.plan.summary } });
}

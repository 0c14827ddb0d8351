import { findSubcommand } from './commands/grammar.js';
import type { S3xRequest } from './commands/requests.js';
import type { Engine } from './engines/engine.js';
import type { LookupEventsSource } from './engines/lookup-events/lookup-events.js';
import { type ActivityAnswer, askActivity } from './questions/activity.js';
import { askBucketEventsWithEngine, type BucketEventsAnswer } from './questions/bucket-events.js';
import { askDenied, type DeniedAnswer } from './questions/denied.js';
import { OBJECT_QUESTION_TABLE } from './questions/index.js';
import type { ObjectAnswer } from './questions/object-events.js';
import { askObjectQuestion } from './questions/object-question.js';
import { askPrincipal, type PrincipalAnswer } from './questions/principal.js';

/** What s3x says back, before it is rendered for Slack or a terminal. */
export type Reply =
  | { kind: 'help'; topic?: string }
  | { kind: 'object-answer'; answer: ObjectAnswer }
  | { kind: 'bucket-events'; answer: BucketEventsAnswer }
  | { kind: 'activity'; answer: ActivityAnswer }
  | { kind: 'principal'; answer: PrincipalAnswer }
  | { kind: 'denied'; answer: DeniedAnswer }
  | { kind: 'not-available'; command: string };

export interface AnswerDeps {
  engine: Engine;
  /** AWS mode: bucket-level events come from CloudTrail event history, not the log table. */
  lookupEvents?: LookupEventsSource;
}

/** The one call every front end makes: a parsed request in, a reply out. */
export async function answerRequest(request: S3xRequest, deps: AnswerDeps): Promise<Reply> {
  switch (request.command) {
    case 'help':
      return { kind: 'help', topic: request.topic };
    case 'who-deleted':
    case 'who-wrote':
    case 'who-read':
    case 'history':
      return {
        kind: 'object-answer',
        answer: await askObjectQuestion(OBJECT_QUESTION_TABLE[request.command], request, deps.engine),
      };
    case 'bucket-events':
      return {
        kind: 'bucket-events',
        answer: deps.lookupEvents
          ? await deps.lookupEvents.bucketEvents(request)
          : await askBucketEventsWithEngine(request, deps.engine),
      };
    case 'activity':
      return { kind: 'activity', answer: await askActivity(request, deps.engine) };
    case 'principal':
      return { kind: 'principal', answer: await askPrincipal(request, deps.engine) };
    case 'denied':
      return { kind: 'denied', answer: await askDenied(request, deps.engine) };
    default:
      return { kind: 'not-available', command: request.command };
  }
}

/** True when the request needs no engine work, so it can be answered inside the ack. */
export function isInstant(request: S3xRequest): boolean {
  return request.command === 'help' || findSubcommand(request.command)?.available === false;
}

import type { ObjectQuestionName, ObjectQuestionRequest } from '../commands/requests.js';
import type { Engine, EngineQuery, TableLayout } from '../engines/engine.js';
import { runWithFreshness } from './freshness.js';
import { buildObjectEventsQuery, type ObjectAnswer, type ObjectEventsSpec, toObjectAnswer } from './object-events.js';

/** A question about one key: which events count, and how to say it. */
export interface ObjectQuestion {
  name: ObjectQuestionName;
  /** Verb phrase for summaries: "deleted", "wrote", ... */
  verb: string;
  spec: ObjectEventsSpec;
}

export function buildQuery(question: ObjectQuestion, request: ObjectQuestionRequest, table: TableLayout): EngineQuery {
  return buildObjectEventsQuery(request, table, question.spec);
}

/** Run the question on an engine and shape the answer. */
export async function askObjectQuestion(
  question: ObjectQuestion,
  request: ObjectQuestionRequest,
  engine: Engine,
): Promise<ObjectAnswer> {
  const result = await runWithFreshness(engine, buildQuery(question, request, engine.table));
  return toObjectAnswer(request, result.rows, result.stats);
}

/**
 * The questions the benchmarks time, each about the story the sample generator plants in every
 * archive, asked the way the front ends ask them (parsed words, then the question module), over
 * the default window (the last 7 days before `now`).
 */

import { askActivity } from '../src/answers/activity/question.js';
import { askDenied } from '../src/answers/denied/question.js';
import { askObjectQuestion, OBJECT_QUESTION_TABLE } from '../src/answers/object/question.js';
import { askPrincipal } from '../src/answers/principal/question.js';
import { parseCommand } from '../src/commands/parse.js';
import type { ActivityRequest, DeniedRequest, ObjectQuestionRequest, PrincipalRequest } from '../src/commands/requests.js';
import type { Engine, ScanStats } from '../src/engines/engine.js';

export const QUESTION_NAMES = ['who-deleted', 'history', 'activity', 'principal', 'denied'] as const;
export type QuestionName = (typeof QUESTION_NAMES)[number];

/** What the questions are about: the planted delete's key, bucket and principal. */
export interface QuestionSubject {
  key: string;
  bucket: string;
  principal: string;
}

export function questionWords(name: QuestionName, subject: QuestionSubject): string[] {
  switch (name) {
    case 'who-deleted':
    case 'history':
      return [name, subject.key, '--bucket', subject.bucket];
    case 'activity':
      return [name, subject.bucket];
    case 'principal':
      return [name, subject.principal];
    case 'denied':
      return [name, '--bucket', subject.bucket];
  }
}

/**
 * Ask one question; `found` counts what it found (events, or grouped events), a check that it found
 * the story. `windowWords` (`--since …`) replace the default window.
 */
export async function askQuestion(
  name: QuestionName,
  subject: QuestionSubject,
  engine: Engine,
  now: Date,
  windowWords: readonly string[] = [],
): Promise<{ found: number; stats: ScanStats }> {
  const request = parseCommand([...questionWords(name, subject), ...windowWords], now);
  switch (name) {
    case 'who-deleted':
    case 'history': {
      const answer = await askObjectQuestion(OBJECT_QUESTION_TABLE[name], request as ObjectQuestionRequest, engine);
      return { found: answer.events.length, stats: answer.stats };
    }
    case 'activity': {
      const answer = await askActivity(request as ActivityRequest, engine);
      return { found: answer.totals.events, stats: answer.stats };
    }
    case 'principal': {
      const answer = await askPrincipal(request as PrincipalRequest, engine);
      return { found: answer.rows.length, stats: answer.stats };
    }
    case 'denied': {
      const answer = await askDenied(request as DeniedRequest, engine);
      return { found: answer.totals.events, stats: answer.stats };
    }
  }
}

import type { ReplyOf } from '../../answer.js';
import * as objectAnswerFormats from '../../output/object-answer-formats.js';
import type { Format } from '../registry.js';

/** The object answer for the terminal, with the coverage verdict when s3x checked it (no match on a named directory bucket). */
export function printObjectAnswer(reply: ReplyOf<'object-answer'>, format: Format): string {
  const { answer, coverage, missingLogs } = reply;
  if (format === 'csv') return objectAnswerFormats.toCsv(answer);
  if (format === 'json') {
    const parsed = JSON.parse(objectAnswerFormats.toJson(answer)) as Record<string, unknown>;
    const checked = {
      ...(coverage
        ? {
            coverage: {
              state: coverage.state,
              gaps: coverage.gaps,
              unknown: coverage.unknown,
              ...(coverage.evidence ? { evidence: coverage.evidence } : {}),
              note: coverage.note,
            },
          }
        : {}),
      ...(missingLogs ? { missingLogs } : {}),
    };
    return `${JSON.stringify({ ...parsed, ...checked }, null, 2)}\n`;
  }
  const note = coverage ? `Logging coverage: ${coverage.note}` : missingLogs;
  return objectAnswerFormats.toText(answer, note);
}

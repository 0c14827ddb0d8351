import { denyTargetLabel, denyTargetOf } from './tighten-plan.js';
import type { Plan } from './types.js';

/** Principals named in a sentence before "and N more". */
const NAMED_MAX = 5;

/** "DataEngineer/bob" for a session ARN, the ARN's last parts otherwise: short enough to read in a list. */
function shortName(arn: string): string {
  return denyTargetLabel(denyTargetOf(arn));
}

/**
 * The sentence on who else a tighten reaches, from the logs: "Also blocks 3 principals seen on
 * this bucket in the last 7 days: …". A failed read says so; it never reads as "nobody else".
 */
export function alsoBlocksSentence(plan: Plan): string | undefined {
  const seen = plan.alsoBlocks;
  if (seen === undefined) return undefined;
  const where = `on this bucket in the last ${seen.days} days`;
  if ('unknown' in seen) return `Who else this would block is not known: the logs could not be read (${seen.unknown}).`;
  // A deny blocks whom it names outright; read-only and VPC endpoint rules block only when their condition holds.
  const outright = plan.request.kind === 'tighten' && plan.request.change.kind === 'deny';
  const count = seen.principals.length;
  if (count === 0) return `Blocks no other principal seen ${where}.`;
  const named = seen.principals.slice(0, NAMED_MAX).map(shortName).join(', ');
  const more = count > NAMED_MAX ? ` and ${count - NAMED_MAX} more` : '';
  const noun = count === 1 ? 'principal' : 'principals';
  return outright
    ? `Also blocks ${count} ${noun} seen ${where}: ${named}${more}.`
    : `Also applies to ${count} ${noun} seen ${where} (blocked whenever its condition holds): ${named}${more}.`;
}

/** The plan in plain sentences, first thing an approver reads: what changes, whom it names, who else it reaches. */
export function planWords(plan: Plan): string[] {
  const also = alsoBlocksSentence(plan);
  return [...(plan.words ?? [`${plan.summary}.`]), ...(also ? [also] : [])];
}

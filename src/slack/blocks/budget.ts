import { blockTextLength, MAX_BLOCKS_PER_MESSAGE, MAX_TOTAL_TEXT } from './limits.js';
import type { KnownBlock } from './message.js';

/** What is left of a message's room: blocks, and characters of text. */
export interface Budget {
  blocks: number;
  chars: number;
}

/**
 * The room a message leaves for its rows once its `fixed` blocks are in, keeping one block and
 * `reserve` characters for the "…and N more" line.
 */
export function roomAfter(fixed: readonly KnownBlock[], reserve: number): Budget {
  return { blocks: MAX_BLOCKS_PER_MESSAGE - fixed.length - 1, chars: MAX_TOTAL_TEXT - blockTextLength(fixed) - reserve };
}

/** Take sections in order while they fit, leaving `reserve` for what comes after; `budget` shrinks by what is taken. */
export function takeWhileFits(
  sections: readonly KnownBlock[],
  budget: Budget,
  reserve: Budget = { blocks: 0, chars: 0 },
): KnownBlock[] {
  const taken: KnownBlock[] = [];
  for (const section of sections) {
    const size = blockTextLength(section);
    if (budget.blocks - reserve.blocks < 1 || budget.chars - reserve.chars < size) break;
    taken.push(section);
    budget.blocks -= 1;
    budget.chars -= size;
  }
  return taken;
}

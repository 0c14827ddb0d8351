/**
 * The figures table every benchmark prints and writes into bench/RESULTS.md: each figure beside a
 * reference measured in the same run, their ratio, the target and whether it was met.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Figure {
  figure: string;
  result: string;
  /** What the figure is compared with, measured in the same run ('' when the target is absolute). */
  reference: string;
  /** result / reference ('' without a reference). */
  ratio: string;
  target: string;
  /** Undefined: a figure shown for the scale curve, with no target of its own. */
  met?: boolean;
}

export class FigureTable {
  readonly rows: Figure[] = [];

  report(row: Figure): void {
    this.rows.push(row);
    const mark = row.met === undefined ? '' : row.met ? 'met' : 'MISSED';
    console.log(`  ${row.figure}: ${row.result} | ref ${row.reference} | ${row.ratio} | target ${row.target} ${mark}`);
  }

  /**
   * A figure beside its reference, both shown with `format`, the reference after its name. The
   * target: at most (or at least) a ratio to the reference, or under an absolute bound.
   */
  reportAgainst(
    figure: string,
    measured: { value: number; reference: number; referenceName: string; format: (n: number) => string },
    bound: { atMost: number } | { atLeast: number } | { under: number },
  ): void {
    const { value, reference, referenceName, format } = measured;
    const [target, met] =
      'atMost' in bound
        ? [`<= ${bound.atMost}x`, value <= bound.atMost * reference]
        : 'atLeast' in bound
          ? [`>= ${bound.atLeast}x`, value >= bound.atLeast * reference]
          : [`< ${format(bound.under)}`, value < bound.under];
    this.report({
      figure,
      result: format(value),
      reference: `${referenceName} ${format(reference)}`,
      ratio: ratio(value, reference),
      target,
      met,
    });
  }

  markdown(): string {
    return [
      '| figure | result | reference (same run) | ratio | target | |',
      '| --- | --- | --- | --- | --- | --- |',
      ...this.rows.map((r) => {
        const cells = [
          r.figure.trim(),
          r.result,
          r.reference,
          r.ratio,
          r.target,
          r.met === undefined ? '' : r.met ? 'met' : '**missed**',
        ];
        return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
      }),
    ].join('\n');
  }
}

/** `a / b` as a ratio cell, e.g. `1.28x`. */
export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}x`;
}

export const ms = (n: number) => `${n < 100 ? n.toFixed(1) : Math.round(n).toLocaleString('en-US')} ms`;
export const mb = (n: number) => `${Math.round(n).toLocaleString('en-US')} MB`;

/**
 * Replace the section between `<!-- name:begin -->` and `<!-- name:end -->` of bench/RESULTS.md
 * with `body`; appended under `heading` when the file has no such section yet.
 */
export async function writeResultsSection(name: string, body: string, heading: string): Promise<void> {
  const file = path.join(import.meta.dirname, 'RESULTS.md');
  const text = await readFile(file, 'utf8');
  const section = `<!-- ${name}:begin -->\n${body}\n<!-- ${name}:end -->`;
  const pattern = new RegExp(`<!-- ${name}:begin -->[\\s\\S]*<!-- ${name}:end -->`);
  const next = pattern.test(text) ? text.replace(pattern, () => section) : `${text.trimEnd()}\n\n${heading}\n\n${section}\n`;
  await writeFile(file, next);
}

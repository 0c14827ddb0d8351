/** A reply (or any answer data) without the time each scan took: the one thing two runs of a question may differ in. */
export function withoutElapsed(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, field) => (key === 'elapsedMs' ? undefined : field)));
}

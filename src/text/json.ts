/** A JSON document as every `--format json` answer writes it: two-space indents, a final newline. */
export function jsonDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

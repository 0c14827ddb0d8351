import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** A room is a folder right under src/, or a file right in src/ (config.ts, main.ts …) on its own. */
export function roomOf(srcDir: string, file: string): string {
  const [first, ...rest] = path.relative(srcDir, file).split(path.sep);
  return rest.length > 0 ? (first as string) : (first as string).replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Room → room → the files that make the edge, from every static, type and dynamic import under src/. */
export function roomGraph(srcDir: string): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of sourceFiles(srcDir)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), fileName).replace(/\.js$/, '.ts');
      const from = roomOf(srcDir, file);
      const to = roomOf(srcDir, target);
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), path.relative(srcDir, file)]);
    }
  }
  return graph;
}

/** The groups of rooms that import each other, directly or around a loop (Tarjan's strongly connected components). */
export function cycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (room: string): void => {
    index.set(room, counter);
    low.set(room, counter);
    counter++;
    stack.push(room);
    onStack.add(room);
    for (const next of graph.get(room)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(room, Math.min(low.get(room)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(room, Math.min(low.get(room)!, index.get(next)!));
      }
    }
    if (low.get(room) !== index.get(room)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== room);
    if (group.length > 1) found.push(group.sort());
  };
  for (const room of graph.keys()) if (!index.has(room)) visit(room);
  return found;
}

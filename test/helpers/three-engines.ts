import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'vitest';
import type { Engine, EngineQuery, EngineResult } from '../../src/engines/engine.js';
import { IndexedEngine } from '../../src/engines/indexed/indexed-engine.js';
import { LocalEngine } from '../../src/engines/local/local-engine.js';
import { athenaPages, contractAthenaEngine, mockPages, RecordingEngine } from './athena.js';

/**
 * Ask one question on the file engine, the index and the Athena contract engine (the file engine's
 * rows served by a mocked Athena, paged as Athena pages them), check the SQL Athena got is the
 * file engine's, and return the three answers for the test to compare.
 */
export async function askOnThreeEngines<A>(
  ask: (engine: Engine) => Promise<A>,
  engines: { file: Engine; index: Engine },
): Promise<{ file: A; index: A; athena: A }> {
  const recorder = new RecordingEngine(engines.file);
  const file = await ask(recorder);
  const index = await ask(engines.index);
  const { query, result } = recorder.last as { query: EngineQuery; result: EngineResult };
  const athenaMock = mockClient(AthenaClient);
  try {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'three-engines' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1 } } });
    const columns = Object.keys(result.rows[0] ?? { none: null });
    mockPages(athenaMock, athenaPages(columns, result.rows, 2));
    const athena = await ask(contractAthenaEngine());
    const sent = athenaMock.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(sent?.QueryString).toBe(query.sql.text);
    return { file, index, athena };
  } finally {
    athenaMock.restore();
  }
}

/** The answer without its scan statistics, which differ by engine by design. */
export function withoutStats<A extends { stats: unknown }>(answer: A): Omit<A, 'stats'> {
  const { stats: _stats, ...rest } = answer;
  return rest;
}

/** The file engine and the index over `<root>/logs`, as askOnThreeEngines takes them. */
export interface FileAndIndex {
  file: Engine;
  index: Engine;
  /** Closes both and removes `root`. */
  close(): Promise<void>;
}

export async function openFileAndIndex(root: string): Promise<FileAndIndex> {
  const logsDir = path.join(root, 'logs');
  const file = await LocalEngine.open({ logsDir });
  const index = await IndexedEngine.open({ logsDir, indexPath: path.join(root, 'index.duckdb') }).catch(
    async (error: unknown) => {
      await file.close();
      throw error;
    },
  );
  return {
    file,
    index,
    async close() {
      await file.close();
      await index.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

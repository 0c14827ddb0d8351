import type { Reply } from '../answers/answer-request.js';
import { type Format, printReply } from '../answers/registry.js';

/** The terminal's two streams, as the CLI and `s3x mcp` write to them. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export type Env = Record<string, string | undefined>;

/** A command with its own options and usage (`s3x ingest`, `s3x mcp`): `--help` anywhere prints the usage. */
export interface OwnCommand {
  usage: string;
  run(argv: readonly string[], env: Env, io: Io, now: () => Date): Promise<number>;
}

/** The CLI's rendering of a reply (`s3x mcp` reuses its JSON); returns the exit code. */
export function print(reply: Reply, format: Format, io: Io): number {
  const printed = printReply(reply, format);
  if ('err' in printed) {
    io.err(printed.err);
    return printed.exitCode;
  }
  io.out(printed.out.endsWith('\n') ? printed.out : `${printed.out}\n`);
  return 0;
}

// The `s3x` command from source, for process tests: what bin/s3x.js runs from dist/.
import { runCli } from '../../src/cli.js';

process.exitCode = await runCli(process.argv.slice(2), process.env);

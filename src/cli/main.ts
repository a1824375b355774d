/**
 * The `aios` command: run agents on a folder from a terminal, and look at (or kill) agents in a
 * database (the commands are in program.ts). Errors are one clear line. Exit codes: 0 done,
 * 1 the work failed, 2 a wrong command line.
 */
import { CommanderError } from '@commander-js/extra-typings';
import { buildProgram, withHelpForGroups } from './program';
import { EXIT_USAGE, UsageError } from './usage';

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(withHelpForGroups(program, argv), { from: 'user' });
  } catch (err) {
    // commander has printed its own message (help, version, or a usage line)
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.stderr.write(`aios: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = err instanceof UsageError ? EXIT_USAGE : 1;
  }
}

void main(process.argv.slice(2));

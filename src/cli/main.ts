/**
 * The `aios` command: run agents on a folder from a terminal, and look at (or kill) agents in a
 * database. Each command group registers itself on one commander program; errors are one clear
 * line. Exit codes: 0 done, 1 the work failed, 2 a wrong command line.
 */
import { Command, CommanderError } from '@commander-js/extra-typings';
import { version } from '../../package.json';
import { registerAgents } from './agentsCommands';
import { registerAudit } from './auditCommand';
import { registerEval } from './evalCommand';
import { registerLogs } from './logsCommand';
import { registerMcp } from './mcpCommand';
import { registerModels } from './modelsCommand';
import { registerRoute } from './routeCommand';
import { registerRun } from './runCommand';
import { registerSend } from './sendCommand';
import { EXIT_USAGE, reportUsageErrors, UsageError } from './usage';

/** The whole command line: every command, its options and its help. */
export function buildProgram(writeErr: (text: string) => void = (t) => process.stderr.write(t)): Command {
  const program = new Command('aios')
    .description('aios — an operating system for AI agents')
    .version(version, '-V, --version', 'print the version')
    .helpCommand('help [command]', 'help for a command')
    .addHelpText('after', `
Run 'aios <command> --help' for the options of a command.`);
  registerRun(program);
  registerAgents(program);
  registerLogs(program);
  registerSend(program);
  registerEval(program);
  registerRoute(program);
  registerMcp(program);
  registerModels(program);
  registerAudit(program);
  reportUsageErrors(program, writeErr);
  return program;
}

/** A command with subcommands given alone (`aios`, `aios mcp`) prints its help, as `--help` does. */
function withHelpForGroups(program: Command, argv: string[]): string[] {
  if (argv.length === 0) return ['--help'];
  const group = program.commands.find((c) => c.name() === argv[0]);
  return argv.length === 1 && group && group.commands.length > 0 ? [argv[0], '--help'] : argv;
}

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

/**
 * Every `aios` command on one commander program: each command group registers itself (its
 * arguments, typed options and help) from its own file.
 */
import { Command } from '@commander-js/extra-typings';
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
import { reportUsageErrors } from './usage';

/** Where help and errors are written (the terminal; a buffer in tests). */
export interface Output {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

/** The whole command line: every command, its options and its help. */
export function buildProgram(output: Output = { writeOut: (t) => process.stdout.write(t), writeErr: (t) => process.stderr.write(t) }): Command {
  const program = new Command('aios')
    .configureOutput(output)
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
  reportUsageErrors(program, output.writeErr);
  return program;
}

/** A command with subcommands given alone (`aios`, `aios mcp`) prints its help, as `--help` does. */
export function withHelpForGroups(program: Command, argv: string[]): string[] {
  if (argv.length === 0) return ['--help'];
  const group = program.commands.find((c) => c.name() === argv[0]);
  return argv.length === 1 && group && group.commands.length > 0 ? [argv[0], '--help'] : argv;
}

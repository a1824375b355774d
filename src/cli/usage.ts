/**
 * What every `aios` command shares: the usage error (exit 2), the option value parsers commander
 * calls (each throws commander's InvalidArgumentError with what to give instead), and the one-line
 * error format `aios: <what was wrong>; see 'aios <command> --help'`.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, type CommandUnknownOpts } from '@commander-js/extra-typings';

/** A wrong command line found after parsing (no task, switches that contradict each other): exit 2. */
export class UsageError extends Error {}

/** Exit codes: 0 done, 1 the work failed (an agent did not finish, a broken chain), 2 a wrong command line. */
export const EXIT_USAGE = 2;

/** Where the CLI looks for a database when --db is not given; said in every "no database" error. */
const DEFAULT_DB = 'a file per workspace under ~/.local/state/aios';

/** Parses a whole number from `min` to `max` (an --agents count, a --priority). */
export function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`Give a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Parses a number above zero (a budget, a --limit). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('Give a number above 0, e.g. 0.5.');
  return n;
}

/** Parses a whole number above zero (a pid, a --limit, a token budget). */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('Give a whole number above 0.');
  return n;
}

/** Parses a number from 0 to 1 (a confidence threshold). */
export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError('Give a number from 0 to 1, e.g. 0.5.');
  return n;
}

/** An existing folder, as an absolute path. */
export function folder(value: string): string {
  const path = resolve(value);
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new InvalidArgumentError(`workspace ${path} is not a folder: give an existing folder.`);
  return path;
}

/** An existing database file, as an absolute path. */
export function existingDatabase(value: string): string {
  const path = resolve(value);
  if (!existsSync(path)) throw new InvalidArgumentError(`No database at ${path}: give the --db of an 'aios run' (default: ${DEFAULT_DB}).`);
  return path;
}

/** The command's name as typed: `aios mcp serve`. */
export function commandPath(cmd: CommandUnknownOpts): string {
  const names: string[] = [];
  for (let c: CommandUnknownOpts | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** One line: commander's message without its `error: ` prefix and line breaks, with where to look. */
export function usageLine(message: string, cmd: CommandUnknownOpts): string {
  const text = message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim().replace(/\.$/, '');
  return `aios: ${text}; see '${commandPath(cmd)} --help'`;
}

/**
 * Makes every command of the tree report parse errors as one usage line and throw instead of
 * exiting, so the entry point sets the exit code (2) and open handles close normally.
 */
export function reportUsageErrors(cmd: CommandUnknownOpts, writeErr: (text: string) => void): void {
  cmd.exitOverride();
  cmd.configureOutput({ outputError: (message) => writeErr(`${usageLine(message, cmd)}\n`) });
  for (const sub of cmd.commands) reportUsageErrors(sub, writeErr);
}

/** Parses an agent's pid. */
export function agentPid(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`Give the agent's pid, a whole number as 'aios ps --db FILE' lists it.`);
  return n;
}

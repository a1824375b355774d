/**
 * What a standing rule's pattern means for a tool call: a path glob for file tools, a command
 * prefix (as shell words) for commands. Everything here errs on the side of "no match": a
 * missed match costs the developer one question, a wrong match runs something unapproved.
 */
import { minimatch } from 'minimatch';
import { parse, quote } from 'shell-quote';
import type { ApprovalSubject } from '../kernel/ports/approvals';

/** What a call's input says a rule pattern is matched against. */
export type CallTarget =
  | { kind: 'command'; words: string[] | null }
  | { kind: 'paths'; paths: string[] | null }
  | { kind: 'other' };

// Backticks and $( run a nested command; a newline is a command separator that shell-quote
// treats as plain whitespace, so all three must be caught on the raw text.
const NESTED_OR_MULTILINE = /`|\$\(|[\r\n]/;
// For argv arrays nothing is parsed, but the runner may still hand them to a shell.
const SHELL_META = /[;&|<>`\r\n]|\$\(/;

/**
 * The shell words of a simple command, or null when the command is compound (`;`, `&&`, `|`,
 * redirections, substitutions, comments) or empty: such commands never match a prefix rule.
 */
export function commandWords(command: string | readonly string[]): string[] | null {
  if (typeof command !== 'string') {
    if (command.length === 0 || command.some((arg) => SHELL_META.test(arg))) return null;
    return [...command];
  }
  if (NESTED_OR_MULTILINE.test(command)) return null;
  // Keep `$VAR` as literal text instead of shell-quote's default of expanding it to ''.
  const entries = parse(command, (name) => `$${name}`);
  const words: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') words.push(entry);
    else if ('op' in entry && entry.op === 'glob') words.push(entry.pattern);
    else return null;
  }
  return words.length ? words : null;
}

/**
 * Programs that run their arguments as code (shells, interpreters, wrappers that exec another
 * command, tools with an exec option). A rule that starts with one covers exactly the approved
 * command: `sh -c ls` must never allow `sh -c "rm -rf …"`.
 */
const RUNS_ITS_ARGUMENTS = new Set([
  'sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'busybox', 'toybox',
  'env', 'xargs', 'sudo', 'su', 'doas', 'nice', 'nohup', 'timeout', 'time', 'exec', 'eval', 'command', 'builtin',
  'setsid', 'stdbuf', 'ionice', 'chroot', 'unshare', 'nsenter', 'strace', 'ltrace', 'watch', 'flock', 'parallel', 'script',
  'node', 'nodejs', 'deno', 'bun', 'tsx', 'ts-node', 'npx', 'pnpx', 'bunx', 'uvx', 'pipx', 'python', 'python2', 'python3', 'pypy', 'pypy3',
  'perl', 'ruby', 'irb', 'php', 'lua', 'luajit', 'rscript', 'julia', 'tclsh', 'wish', 'osascript', 'pwsh', 'powershell', 'cmd', 'cmd.exe',
  'awk', 'gawk', 'mawk', 'nawk', 'sed', 'find', 'ssh', 'docker', 'podman', 'kubectl', 'java', 'dotnet', 'go', 'cargo', 'make',
]);

/** The program's name without its directory and version suffix: `/usr/bin/python3.11` → `python3`. */
function programName(word: string): string {
  const base = word.slice(word.lastIndexOf('/') + 1).toLowerCase();
  return base.replace(/^(python[23]?|pypy3?|ruby|perl|php|lua|node)[\d.]*$/, '$1');
}

/**
 * True when a rule for this command must cover exactly it: the program runs its arguments as
 * code, or an option is among the words a prefix rule would keep (`git -c …` sets any config).
 */
export function needsExactRule(words: readonly string[]): boolean {
  return RUNS_ITS_ARGUMENTS.has(programName(words[0] ?? '')) || words.slice(0, 2).some((w) => w.startsWith('-'));
}

/** True when the command's words start with the pattern's words (`npm test` matches `npm test -- -g x`); exact-rule commands must match whole. */
export function matchesCommandPrefix(pattern: string, command: string | readonly string[]): boolean {
  const prefix = commandWords(pattern);
  const words = commandWords(command);
  if (!prefix || !words || prefix.length > words.length) return false;
  if (needsExactRule(prefix) && prefix.length !== words.length) return false;
  return prefix.every((word, i) => words[i] === word);
}

/** True when every path matches the glob; paths are workspace-relative with forward slashes. */
export function matchesPathGlob(pattern: string, paths: readonly string[]): boolean {
  return paths.length > 0 && paths.every((path) => minimatch(path, pattern, { dot: true }));
}

/** Escapes a path so that, used as a glob, it matches only itself. */
export function exactPathGlob(path: string): string {
  // minimatch's own escape() leaves braces and commas alone, and brace expansion would widen the rule.
  return path.replace(/[\\*?[\](){}!+@,]/g, '\\$&');
}

/** The narrowest pattern that covers this call: exact path(s), the first two command words, or null. */
export function derivePattern(target: CallTarget): string | null {
  switch (target.kind) {
    case 'command':
      if (!target.words) throw new Error('a compound or empty command cannot become a standing rule; approve it once instead');
      return quote(needsExactRule(target.words) ? target.words : target.words.slice(0, 2));
    case 'paths':
      if (!target.paths || target.paths.length === 0) throw new Error('this call has no workspace-relative path to base a rule on; approve it once instead');
      return target.paths.length === 1
        ? exactPathGlob(target.paths[0])
        : `{${target.paths.map(exactPathGlob).join(',')}}`;
    case 'other':
      return null;
  }
}

/** In words, what a rule with this pattern allows, for the prompt before it is saved (null: no rule can be made). */
export function describeCoverage(tool: string, target: CallTarget): string | null {
  switch (target.kind) {
    case 'command': {
      if (!target.words) return null;
      const pattern = derivePattern(target)!;
      return needsExactRule(target.words) ? `exactly the command \`${pattern}\` (nothing else)` : `any command starting with \`${pattern}\``;
    }
    case 'paths':
      if (!target.paths || target.paths.length === 0) return null;
      return `${tool} on exactly ${target.paths.length === 1 ? target.paths[0] : `these ${target.paths.length} files: ${target.paths.join(', ')}`}`;
    case 'other':
      return `any call of ${tool}, whatever its input`;
  }
}

/** True when a rule's pattern covers the call (null covers anything). */
export function patternMatches(pattern: string | null, target: CallTarget): boolean {
  if (pattern === null) return true;
  switch (target.kind) {
    case 'command':
      return target.words !== null && matchesCommandPrefix(pattern, target.words);
    case 'paths':
      return target.paths !== null && matchesPathGlob(pattern, target.paths);
    case 'other':
      return false;
  }
}

/**
 * Reads what a call acts on. Commands come from `input.command` (else a command subject); paths from an edit subject's
 * files (already workspace-relative), else from the subject's or the input's `path`.
 */
export function callTarget(input: unknown, subject: ApprovalSubject): CallTarget {
  const fields = asRecord(input);
  const command = fields?.command;
  if (typeof command === 'string' || isStringArray(command)) return { kind: 'command', words: commandWords(command) };
  if (subject.kind === 'command') return { kind: 'command', words: commandWords(subject.command) };
  if (subject.kind === 'edit') return { kind: 'paths', paths: subject.files.map((f) => f.path) };
  const subjectPath = subject.kind === 'tool' ? asRecord(subject.input)?.path : undefined;
  const path = typeof subjectPath === 'string' ? subjectPath : fields?.path;
  if (typeof path === 'string') {
    const relative = normalizeRelative(path);
    return { kind: 'paths', paths: relative === null ? null : [relative] };
  }
  return { kind: 'other' };
}

/** `./src//a.ts` → `src/a.ts`; null for absolute paths or paths that climb out with `..`. */
function normalizeRelative(path: string): string | null {
  const slashed = path.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[A-Za-z]:/.test(slashed)) return null;
  const parts: string[] = [];
  for (const part of slashed.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return null;
    parts.push(part);
  }
  return parts.length ? parts.join('/') : '.';
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

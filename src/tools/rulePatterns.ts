/**
 * What a standing rule's pattern means for a tool call: a path glob for file tools, a command
 * prefix (as shell words) for commands. Everything here errs on the side of "no match": a
 * missed match costs the developer one question, a wrong match runs something unapproved.
 */
import { minimatch } from 'minimatch';
import { parse, quote } from 'shell-quote';
import type { ApprovalSubject } from '../kernel/ports';

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

/** True when the command's words start with the pattern's words (`npm test` matches `npm test -- -g x`). */
export function matchesCommandPrefix(pattern: string, command: string | readonly string[]): boolean {
  const prefix = commandWords(pattern);
  const words = commandWords(command);
  if (!prefix || !words || prefix.length > words.length) return false;
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
      return quote(target.words.slice(0, 2));
    case 'paths':
      if (!target.paths || target.paths.length === 0) throw new Error('this call has no workspace-relative path to base a rule on; approve it once instead');
      return target.paths.length === 1
        ? exactPathGlob(target.paths[0])
        : `{${target.paths.map(exactPathGlob).join(',')}}`;
    case 'other':
      return null;
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

/** What the built-in workspace tools share, and small helpers for what they return. */
import type { ToolOutcome } from '../kernel/ports/tools';
import type { WorkspacePaths } from './paths';
import type { ReadLedger } from './readLedger';

/** Shared state and limits of one set of workspace tools. */
export interface WorkspaceEnv {
  paths: WorkspacePaths;
  ledger: ReadLedger;
  /** bytes of a file that are read; larger files are truncated on read and refused for edit */
  maxFileBytes: number;
  /** characters of tool output a model gets at most */
  maxResultChars: number;
}

/** A successful outcome. */
export function ok(content: string): ToolOutcome {
  return { content, isError: false };
}

/** A failed outcome the model should react to. */
export function failed(content: string): ToolOutcome {
  return { content, isError: true };
}

/** Cuts one long line for display, saying how much was left out. */
export function clipLine(line: string, max: number): string {
  return line.length <= max ? line : `${line.slice(0, max)}… (+${line.length - max} chars)`;
}

/** "1 line", "3 lines". */
export function countOf(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

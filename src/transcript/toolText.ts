/**
 * Tool calls shaped for people: one readable line for an input, and a result view a card can
 * show (command output with its exit code, a file excerpt, the files a change applied).
 */
import type { JsonValue } from '../protocol/hostTypes';
import type { ToolResultView } from '../protocol/transcript';
import { valueText } from '../text/valueText';

/** One line that says what the call acts on: a path, a command, a query, a question. */
export function summarizeInput(tool: string, input: unknown): string {
  const f = record(input);
  if (!f) return '';
  const str = (k: string) => (typeof f[k] === 'string' ? (f[k] as string) : null);
  if (tool === 'run_command') {
    const c = f.command;
    return Array.isArray(c) ? c.map(String).join(' ') : str('command') ?? '';
  }
  if (tool === 'ask_developer') return str('question') ?? '';
  if (tool === 'recall') return f.page !== undefined ? `page ${valueText(f.page)}` : `“${str('query') ?? ''}”`;
  if (tool === 'search_text') return `“${str('query') ?? ''}”${str('path') ? ` in ${str('path')}` : ''}`;
  if (str('path') !== null) return str('path')!;
  if (tool === 'plan') return `${Array.isArray(f.subtasks) ? f.subtasks.length : 0} subtasks`;
  const json = JSON.stringify(input);
  return json.length > 120 ? `${json.slice(0, 119)}…` : json;
}

/** The input as plain JSON for the wire (undefined and functions dropped). */
export function jsonInput(input: unknown): JsonValue {
  try {
    return (JSON.parse(JSON.stringify(input ?? null)) as JsonValue) ?? null;
  } catch {
    return null;
  }
}

/** The result of a call as a card shows it. */
export function resultView(tool: string, input: unknown, content: string, isError: boolean): ToolResultView {
  if (tool === 'run_command') {
    const r = parseJson(content);
    if (r && ('exit_code' in r || 'stdout' in r)) {
      const bytes = record(r.output_bytes);
      return {
        kind: 'command',
        exitCode: typeof r.exit_code === 'number' ? r.exit_code : null,
        killed: typeof r.killed === 'string' ? r.killed : null,
        durationMs: typeof r.duration_ms === 'number' ? r.duration_ms : null,
        stdout: typeof r.stdout === 'string' ? r.stdout : '',
        stderr: typeof r.stderr === 'string' ? r.stderr : '',
        outputBytes: bytes ? { stdout: Number(bytes.stdout) || 0, stderr: Number(bytes.stderr) || 0 } : null,
        changed: Array.isArray(r.changed) ? r.changed.map((c) => ({ path: valueText(record(c)?.path ?? ''), status: valueText(record(c)?.status ?? '') })) : [],
        applied: strings(r.applied),
        notApplied: strings(r.not_applied),
        message: typeof r.message === 'string' ? r.message : null,
      };
    }
  }
  const path = typeof record(input)?.path === 'string' ? (record(input)!.path as string) : null;
  if (!isError && tool === 'read_file') return { kind: 'file', path, text: content };
  if (!isError && (tool === 'edit_file' || tool === 'write_file') && path) return { kind: 'applied', text: content, files: [path] };
  return { kind: 'text', text: content, isError };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    return record(JSON.parse(text)) ?? null;
  } catch {
    return null;
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

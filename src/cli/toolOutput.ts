/**
 * What `aios run` prints when a tool call returns: a command's exit code and output (capped), or
 * why a call failed or was refused. Everything is escaped: tool output can hold terminal escapes.
 */
import { escapeControl } from '../text/displayText';
import { formatEntry } from '../protocol/transcriptFormat';
import { resultView } from '../transcript/toolText';

/** Lines for one tool result of agent `who` (e.g. `[3 coder-3]`); none for quiet successes. */
export function toolResultLines(who: string, content: string, isError: boolean): string[] {
  const command = resultView('run_command', null, content, isError);
  if (command.kind === 'command') {
    const lines = formatEntry({ kind: 'tool', id: '', at: 0, callId: '', tool: 'run_command', risk: 'high', summary: '', input: null, state: isError ? 'failed' : 'done', rule: null, reason: null, durationMs: command.durationMs, approval: null, result: command }).slice(1);
    return [`${who} command output:`, ...lines];
  }
  if (!isError) return [];
  const first = content.split('\n')[0];
  return [`${who} ✗ ${escapeControl(first.length > 300 ? `${first.slice(0, 299)}…` : first)}`];
}

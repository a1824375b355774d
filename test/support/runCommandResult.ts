/**
 * The JSON a `run_command` call returns to the model (src/sandbox/runCommandTool.ts), typed for the
 * tests that read it: a command that ran and whose changes were offered, or one whose changes could
 * not be collected (an `error`, the sandbox view reset).
 */
interface Ran {
  exit_code: number | null;
  stdout: string;
  stderr: string;
  killed: string | null;
}

/** The command ran and its changes were offered for approval. */
export interface RunCommandApplied extends Ran {
  duration_ms: number;
  message?: string;
  output_bytes?: { stdout: number; stderr: number };
  changed: { path: string; status: string }[];
  applied: string[];
  not_applied?: string[];
  note?: string;
  conflicts: { path: string; reason: string }[];
  conflict_note?: string;
}

/** The command ran but its changes could not be collected. */
export interface RunCommandFailed extends Ran {
  error: string;
}

function parse(content: string, key: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch (e) {
    throw new Error(`run_command returned no JSON result: ${content.slice(0, 500)}`, { cause: e });
  }
  if (typeof value !== 'object' || value === null || !(key in value)) throw new Error(`run_command result has no '${key}': ${content.slice(0, 500)}`);
  return value as Record<string, unknown>;
}

/** The result of a command whose changes were offered (throws, quoting the content, on another shape). */
export function runCommandResult(content: string): RunCommandApplied {
  return parse(content, 'applied') as unknown as RunCommandApplied;
}

/** The result of a command whose changes could not be collected (throws, quoting the content, on another shape). */
export function runCommandError(content: string): RunCommandFailed {
  return parse(content, 'error') as unknown as RunCommandFailed;
}

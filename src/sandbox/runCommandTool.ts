/**
 * run_command: runs a shell command in the agent's Docker sandbox. What the command changed in
 * /workspace is proposed as diffs (context.proposeChanges); only approved files reach the real
 * workspace, and files the developer changed meanwhile are reported as conflicts.
 */
import { posix } from 'node:path';
import { quote } from 'shell-quote';
import { ToolInputError, type Tool, type ToolOutcome } from '../kernel/ports/tools';
import { RETRY_COMMAND } from '../kernel/step/toolCalls';
import { CollectTimeoutError, StagingQuotaError, type StagedChange } from './changeSet';
import type { ExecResult } from './exec';
import { WORKSPACE_MOUNT } from './box';
import { resolveCwd, type SandboxExecOptions } from './sandbox';
import type { UpperSnapshot } from './staging';
import type { Pid } from '../kernel/types';
import { plural } from '../text/plural';

/** The part of DockerSandbox the tool uses (a fake in unit tests). */
export interface CommandSandbox {
  readonly config: { defaultTimeoutMs: number; maxTimeoutMs: number };
  exec(pid: Pid, command: string | readonly string[], options?: SandboxExecOptions): Promise<ExecResult>;
  snapshot(pid: Pid): Promise<UpperSnapshot>;
  changes(pid: Pid, options?: { since?: UpperSnapshot }): Promise<StagedChange[]>;
  apply(pid: Pid, files: readonly StagedChange[]): Promise<{ applied: string[]; conflicts: { path: string; reason: string }[] }>;
  discard(pid: Pid): Promise<void>;
}

/** Options of the run_command tool. */
export interface RunCommandToolOptions {
  /**
   * Give commands network access. Then the tool also declares the high-risk `net` capability,
   * so only agents holding it may call it. Default false: no network.
   */
  network?: boolean;
}

interface RunCommandInput {
  command: string | string[];
  cwd?: string;
  timeout_ms?: number;
}

/** Creates the run_command tool over a sandbox. */
export function createRunCommandTool(sandbox: CommandSandbox, options: RunCommandToolOptions = {}): Tool {
  const { defaultTimeoutMs, maxTimeoutMs } = sandbox.config;
  return {
    name: 'run_command',
    description:
      `Run a command in a Docker sandbox with the workspace at ${WORKSPACE_MOUNT} (the working directory). ` +
      `${options.network ? 'Network is available.' : 'No network.'} Files the command writes are staged: they are shown to the developer as a diff and applied to the real workspace only if approved. ` +
      `Returns JSON with exit_code, stdout, stderr (each capped), duration_ms, killed (timeout | oom | aborted), changed files, applied and conflicts. ` +
      `Default timeout ${defaultTimeoutMs} ms, at most ${maxTimeoutMs} ms.`,
    inputSchema: {
      type: 'object',
      properties: {
        command: {
          description: 'a shell command line (run with sh -c), or an argv array run without a shell',
          oneOf: [
            { type: 'string', minLength: 1 },
            { type: 'array', items: { type: 'string' }, minItems: 1 },
          ],
        },
        cwd: { type: 'string', description: 'working directory relative to the workspace root (default: the root)' },
        timeout_ms: { type: 'integer', minimum: 1, maximum: maxTimeoutMs, description: `milliseconds before the command is killed (default ${defaultTimeoutMs})` },
      },
      required: ['command'],
      additionalProperties: false,
    },
    risk: 'high',
    capabilities: options.network ? ['exec', 'net'] : ['exec'],
    async prepare(raw, context) {
      const input = parseInput(raw, maxTimeoutMs);
      const commandText = typeof input.command === 'string' ? input.command : quote(input.command);
      const cwd = checkCwd(input.cwd);
      const summary = `run \`${oneLine(commandText)}\`${cwd === WORKSPACE_MOUNT ? '' : ` in ${cwd}`}`;
      return {
        subject: { kind: 'command', summary, command: commandText, cwd },
        async run(): Promise<ToolOutcome> {
          const before = await sandbox.snapshot(context.pid);
          const confirm = context.confirm?.bind(context);
          const confirmRetry = confirm && ((why: string) => confirm(RETRY_COMMAND, { kind: 'command', summary: `RETRY: ${why}. Run it again?`, command: commandText, cwd }));
          const result = await sandbox.exec(context.pid, input.command, { cwd, timeoutMs: input.timeout_ms, signal: context.signal, network: options.network ?? false, confirmRetry });
          let changed: StagedChange[];
          try {
            changed = await sandbox.changes(context.pid, { since: before });
          } catch (err) {
            if (!(err instanceof StagingQuotaError || err instanceof CollectTimeoutError)) throw err;
            await sandbox.discard(context.pid);
            return {
              content: JSON.stringify({ exit_code: result.exitCode, stdout: result.stdout, stderr: result.stderr, killed: result.killed, error: `${err.message}. Your sandbox view was reset to the real workspace (earlier unapplied changes are gone).` }),
              isError: true,
            };
          }
          let applied: string[] = [];
          let conflicts: { path: string; reason: string }[] = [];
          let denied: string[] = [];
          if (changed.length && !context.signal.aborted) {
            const refused = changed.filter((c) => c.refused !== null).length;
            const note = refused ? ` — ${refused} refused (a link leading outside, a special file or the database): approving applies nothing` : '';
            const { approved } = await context.proposeChanges(changed.map(toProposed), `${plural(changed.length, 'file')} changed by ${summary}${note}`);
            const approvedSet = new Set(approved);
            ({ applied, conflicts } = await sandbox.apply(context.pid, changed.filter((c) => approvedSet.has(c.path))));
            denied = changed.filter((c) => !approvedSet.has(c.path)).map((c) => c.path);
          }
          return {
            content: JSON.stringify({
              exit_code: result.exitCode,
              stdout: result.stdout,
              stderr: result.stderr,
              duration_ms: result.durationMs,
              killed: result.killed,
              ...(result.message ? { message: result.message } : {}),
              ...(result.truncated ? { output_bytes: { stdout: result.stdoutBytes, stderr: result.stderrBytes } } : {}),
              changed: changed.map((c) => ({ path: c.path, status: c.status })),
              applied,
              ...(denied.length ? { not_applied: denied, note: 'not approved: these stay changed only in your sandbox view' } : {}),
              conflicts,
              ...(conflicts.length ? { conflict_note: 'a change set applies whole or not at all: nothing of it was applied' } : {}),
            }),
            isError: result.killed !== null || result.exitCode !== 0,
          };
        },
      };
    },
  };
}

/** The approval client sees plain ProposedFiles, not our staging paths. */
function toProposed(change: StagedChange) {
  return { path: change.path, status: change.status, diff: change.diff, before: change.before, after: change.after };
}

function parseInput(raw: unknown, maxTimeoutMs: number): RunCommandInput {
  const input = raw as Partial<RunCommandInput> | null;
  if (!input || typeof input !== 'object') throw new ToolInputError('input must be an object with a `command`');
  const { command } = input;
  const validArgv = Array.isArray(command) && command.length > 0 && command.every((a) => typeof a === 'string') && command[0] !== '';
  if (!(typeof command === 'string' && command.trim()) && !validArgv) {
    throw new ToolInputError('`command` must be a non-empty shell command string or a non-empty array of argv strings');
  }
  if (input.timeout_ms !== undefined && (!Number.isInteger(input.timeout_ms) || input.timeout_ms < 1 || input.timeout_ms > maxTimeoutMs)) {
    throw new ToolInputError(`timeout_ms must be an integer from 1 to ${maxTimeoutMs}`);
  }
  if (input.cwd !== undefined && typeof input.cwd !== 'string') throw new ToolInputError('cwd must be a string');
  return input as RunCommandInput;
}

/** cwd relative to the workspace (or absolute under /workspace); `..` out of it is refused. */
function checkCwd(cwd: string | undefined): string {
  if (cwd && posix.isAbsolute(cwd) && !(cwd === WORKSPACE_MOUNT || cwd.startsWith(`${WORKSPACE_MOUNT}/`))) {
    throw new ToolInputError(`cwd ${cwd} is outside the workspace: give a path relative to the workspace root`);
  }
  try {
    return resolveCwd(cwd);
  } catch (err) {
    throw new ToolInputError((err as Error).message);
  }
}

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ⏎ ');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

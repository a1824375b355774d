/**
 * A stdio MCP server from a workspace file runs code on the developer's machine with their rights:
 * it starts only in a trusted workspace and only after the developer approved its exact command
 * line once. The approval is remembered per workspace until the line changes, outside the
 * workspace (a cloned repository must not be able to pre-approve its own servers).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What the developer is asked to approve. */
export interface LaunchRequest {
  workspace: string;
  server: string;
  /** the file that defines it */
  file: string;
  /** exactly what runs, placeholders unresolved (`config.commandLine`) */
  commandLine: string;
}

/** Decides whether a workspace-defined stdio server may start (remembering is its business). */
export interface LaunchApprover {
  approve(request: LaunchRequest): Promise<boolean>;
}

/** The key under which one approval is remembered: workspace, server name and the exact line. */
export function launchKey(r: LaunchRequest): string {
  return createHash('sha256').update(JSON.stringify([r.workspace, r.server, r.commandLine])).digest('hex');
}

/** Approved launch keys in a JSON file under the user's configuration folder (the CLI's memory). */
export class LaunchMemoryFile {
  constructor(readonly path: string = defaultLaunchFile()) {}

  has(r: LaunchRequest): boolean {
    return this.read().includes(launchKey(r));
  }

  add(r: LaunchRequest): void {
    const keys = this.read().filter((k) => k !== launchKey(r));
    keys.push(launchKey(r));
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ approvedLaunches: keys.slice(-500) }, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  private read(): string[] {
    try {
      const data = JSON.parse(readFileSync(this.path, 'utf8')) as { approvedLaunches?: unknown };
      return Array.isArray(data.approvedLaunches) ? data.approvedLaunches.filter((k): k is string => typeof k === 'string') : [];
    } catch {
      return [];
    }
  }
}

/** `$AIOS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/aios`, else `~/.config/aios`; the file is mcp-launches.json. */
export function defaultLaunchFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.AIOS_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'aios');
  return join(dir, 'mcp-launches.json');
}

/** Remembered approvals first; otherwise `ask` (a terminal prompt, a modal) and remember a yes. */
export class RememberingLaunchApprover implements LaunchApprover {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly memory: Pick<LaunchMemoryFile, 'has' | 'add'>, private readonly ask: (r: LaunchRequest) => Promise<boolean>) {}

  approve(request: LaunchRequest): Promise<boolean> {
    // one question at a time: two servers starting together must not interleave their prompts
    const next = this.queue.then(async () => {
      if (this.memory.has(request)) return true;
      const yes = await this.ask(request);
      if (yes) this.memory.add(request);
      return yes;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * Where the CLI keeps a workspace's database when --db is not given: outside the workspace, so
 * no sandboxed command can read other agents' conversations and audit, and no change set can
 * replace it. A database an older version left at <workspace>/.aios/aios.db keeps being used
 * (it stays hidden from the sandbox and untouchable by change sets), with a note on moving it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The per-user state folder: $AIOS_STATE_DIR, else $XDG_STATE_HOME/aios, else ~/.local/state/aios. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AIOS_STATE_DIR) return resolve(env.AIOS_STATE_DIR);
  return join(env.XDG_STATE_HOME ? resolve(env.XDG_STATE_HOME) : join(homedir(), '.local', 'state'), 'aios');
}

/** The database of `workspace`: the legacy in-workspace file when it exists, else one under the state folder. */
export function defaultDatabasePath(workspace: string, env: NodeJS.ProcessEnv = process.env): { path: string; legacy: boolean } {
  const legacy = join(workspace, '.aios', 'aios.db');
  if (existsSync(legacy)) return { path: legacy, legacy: true };
  const key = createHash('sha256').update(resolve(workspace)).digest('hex').slice(0, 16);
  return { path: join(stateDir(env), 'workspaces', key, 'aios.db'), legacy: false };
}

/** What the CLI says when it keeps using a legacy database inside the workspace. */
export function legacyNote(path: string): string {
  return `note: using the database inside the workspace (${path}), as older versions did; the sandbox cannot see it, but to keep it out of the workspace move it with 'mv ${path} "$(dirname ${path})/../<elsewhere>"' and pass --db, or delete it to start fresh in ${stateDir()}`;
}

/**
 * Reads the workspace's extra roles from `.aios/roles.json` (the kernel does no file I/O; this
 * is the one place that reads the file, for the CLI and the kernel host alike).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRoles, type RoleInput } from '../router/routerRoles';

/** Where a workspace keeps its extra roles. */
export function rolesFilePath(workspace: string): string {
  return join(workspace, '.aios', 'roles.json');
}

/** The roles in `<workspace>/.aios/roles.json`, or none when there is no such file. Throws with the file and the problem. */
export function loadWorkspaceRoles(workspace: string): RoleInput[] {
  const path = rolesFilePath(workspace);
  if (!existsSync(path)) return [];
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read roles from ${path}: ${(err as Error).message}. Fix the JSON or remove the file.`, { cause: err });
  }
  return parseRoles(value, path);
}

/** The built-in workspace tools: read, list, search, write and edit files under one root. */
import type { Tool } from '../kernel/ports/tools';
import { editFileTool } from './editTool';
import { DEFAULT_MAX_FILE_BYTES } from './fileContent';
import { listDirTool } from './listTool';
import { WorkspacePaths } from './paths';
import { readFileTool } from './readTool';
import { ReadLedger } from './readLedger';
import { searchTextTool } from './searchTool';
import { writeFileTool } from './writeTool';
import type { WorkspaceEnv } from './workspaceEnv';

/** Options of createWorkspaceTools. */
export interface WorkspaceToolOptions {
  /** the workspace root; every path is resolved inside it */
  root: string;
  /** bytes of one file that are read (more is truncated) or edited (more is refused); default 1 MiB */
  maxFileBytes?: number;
  /** characters of output one call returns at most; default 20000 */
  maxResultChars?: number;
  /** pass one to call `forget(pid)` when an agent ends; a fresh one is made otherwise */
  ledger?: ReadLedger;
  /** absolute files no tool may touch (the kernel's database) */
  forbidden?: readonly string[];
}

const DEFAULT_MAX_RESULT_CHARS = 20000;

/** read_file, list_dir, search_text, write_file and edit_file over one workspace, sharing one read ledger. */
export function createWorkspaceTools(options: WorkspaceToolOptions): Tool[] {
  const env: WorkspaceEnv = {
    paths: new WorkspacePaths(options.root, options.forbidden),
    ledger: options.ledger ?? new ReadLedger(),
    maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    maxResultChars: options.maxResultChars ?? DEFAULT_MAX_RESULT_CHARS,
  };
  return [readFileTool(env), listDirTool(env), searchTextTool(env), writeFileTool(env), editFileTool(env)];
}

/** list_dir: the entries of a workspace directory, optionally a few levels deep. */
import { stat } from 'node:fs/promises';
import type { Tool } from '../kernel/ports/tools';
import { ToolInputError } from '../kernel/ports/tools';
import { walk, type WalkEntry } from './walk';
import { ok, type WorkspaceEnv } from './workspaceEnv';
import { formatBytes } from '../text/bytes';

interface ListDirInput {
  path?: string;
  depth?: number;
}

// Enough to see a project's shape; beyond that the model should list a subdirectory.
const MAX_ENTRIES = 200;
// Counting what was not shown is only for the "… N more" marker; stop counting somewhere.
const MAX_COUNTED = 20000;

/** Creates the list_dir tool. */
export function listDirTool(env: WorkspaceEnv): Tool {
  return {
    name: 'list_dir',
    description:
      'List a workspace directory. Paths are relative to the workspace root; directories end with "/", files show their size, symlinks end with "@". ' +
      'depth > 1 also lists subdirectories. .git and node_modules are shown but not expanded unless you list them by path.',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'workspace-relative directory (default: the workspace root)' },
        depth: { type: 'integer', minimum: 1, maximum: 10, description: 'levels to list (default 1)' },
      },
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: ['fs.read'],
    async prepare(raw, context) {
      const input = raw as ListDirInput;
      const path = await env.paths.resolve(input.path ?? '.');
      const info = await stat(path.abs).catch(() => null);
      if (!info) throw new ToolInputError(`directory not found: ${path.rel}; list its parent to see what exists`);
      if (!info.isDirectory()) throw new ToolInputError(`${path.rel} is a file, not a directory; use read_file to read it`);
      const depth = input.depth ?? 1;
      return {
        subject: { kind: 'tool', summary: `list ${path.rel}`, input: { ...input, path: path.rel } },
        async run() {
          const lines: string[] = [];
          let hidden = 0;
          let used = 0;
          for await (const entry of walk(path.abs, depth, context.signal)) {
            const line = formatEntry(entry, path.rel === '.' ? entry.rel : `${path.rel}/${entry.rel}`);
            if (lines.length < MAX_ENTRIES && used + line.length + 1 <= env.maxResultChars) {
              lines.push(line);
              used += line.length + 1;
            } else if (++hidden >= MAX_COUNTED) {
              break;
            }
          }
          const header = `${path.rel === '.' ? '.' : path.rel}/ (${lines.length + hidden}${hidden >= MAX_COUNTED ? '+' : ''} entries, depth ${depth})`;
          if (lines.length === 0) return ok(`${header}\n(empty directory)`);
          if (hidden) lines.push(`… ${hidden}${hidden >= MAX_COUNTED ? '+' : ''} more; list a subdirectory or use a smaller depth`);
          return ok([header, ...lines].join('\n'));
        },
      };
    },
  };
}

/** One line per entry, with its workspace-relative path so the model can use it as is. */
function formatEntry(entry: WalkEntry, name: string): string {
  switch (entry.kind) {
    case 'dir':
      return `${name}/${entry.skipped ? '  (not expanded; list it by path to see inside)' : ''}`;
    case 'file':
      return `${name}  ${formatBytes(entry.size)}`;
    case 'symlink':
      return `${name}@`;
    case 'other':
      return `${name}  (special file)`;
  }
}

/** write_file: create a file or replace its whole content. */
import { mkdir } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import type { Tool } from '../kernel/ports/tools';
import { ToolInputError } from '../kernel/ports/tools';
import { currentHash, hashBytes, splitLines, writeVerified } from './fileContent';
import { diffStats, loadForChange, proposeFile, staleMessage } from './proposal';
import { countOf, failed, ok, type WorkspaceEnv } from './workspaceEnv';
import { formatBytes } from '../text/bytes';

interface WriteFileInput {
  path: string;
  content: string;
}

/** Creates the write_file tool. */
export function writeFileTool(env: WorkspaceEnv): Tool {
  return {
    name: 'write_file',
    description:
      'Create a file, or replace the whole content of an existing one (read it first). Parent directories are created. ' +
      'For a small change to an existing file prefer edit_file. The developer may be asked to approve the diff.',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'workspace-relative path of the file' },
        content: { type: 'string', description: 'the complete new content of the file' },
      },
      required: ['path', 'content'],
      additionalProperties: false,
    },
    risk: 'medium',
    capabilities: ['fs.write'],
    async prepare(raw, context) {
      const input = raw as WriteFileInput;
      const path = await env.paths.resolve(input.path);
      if (path.rel === '.') throw new ToolInputError('path is the workspace root; give a file path');
      const size = Buffer.byteLength(input.content);
      if (size > env.maxFileBytes) {
        throw new ToolInputError(`content is ${formatBytes(size)}, over the ${formatBytes(env.maxFileBytes)} limit for one file; write a smaller file`);
      }
      const base = await loadForChange(path, env.maxFileBytes, 'write_file');
      const seen = env.ledger.lastSeen(context.pid, path.rel);
      if (base && seen !== undefined && seen !== base.hash) throw new ToolInputError(staleMessage(path.rel));
      if (base && base.text === input.content) throw new ToolInputError(`${path.rel} already has exactly this content; nothing to write`);
      const file = proposeFile(path.rel, base?.text ?? null, input.content);
      const summary = base ? `overwrite ${path.rel} (${diffStats(file.diff)})` : `create ${path.rel} (${countOf(splitLines(input.content).length, 'line')})`;
      return {
        subject: { kind: 'edit', summary, files: [file] },
        async run() {
          // The developer may have taken minutes to approve: re-check that the diff they saw still applies.
          const again = await env.paths.resolve(input.path);
          if (again.abs !== path.abs) return failed(`${path.rel} now resolves to a different place than when the write was prepared; try again`);
          if ((await currentHash(path.abs)) !== (base?.hash ?? null)) {
            return failed(base ? staleMessage(path.rel) : `${path.rel} was created by someone else in the meantime; read it, then decide how to change it`);
          }
          let createdDirs: string | undefined;
          try {
            createdDirs = await mkdir(dirname(path.abs), { recursive: true });
            await writeVerified(path, input.content, base !== null);
          } catch (err) {
            return failed(`could not write ${path.rel}: ${(err as Error).message}`);
          }
          env.ledger.record(context.pid, path.rel, hashBytes(input.content));
          const lines = [base ? `wrote ${path.rel} (${diffStats(file.diff)} lines)` : `created ${path.rel} (${countOf(splitLines(input.content).length, 'line')})`];
          if (createdDirs) lines.push(`created the missing directories of ${posix.dirname(path.rel)}/`);
          if (base && seen === undefined) {
            lines.push(`note: you had not read ${path.rel} before; its previous ${countOf(splitLines(base.text).length, 'line')} were replaced`);
          }
          return ok(lines.join('\n'));
        },
      };
    },
  };
}

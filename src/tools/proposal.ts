/**
 * What file-changing tools share: loading the current version of a file, turning a change into
 * a ProposedFile (with a unified diff) and the stale-read check.
 */
import { stat } from 'node:fs/promises';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import type { ProposedFile } from '../kernel/ports/approvals';
import { ToolInputError } from '../kernel/ports/tools';
import { hashBytes, isBinary, readFileHead } from './fileContent';
import type { WorkspacePath } from './paths';
import { formatBytes } from '../text/bytes';

/** The version of a file a change is based on. */
export interface BaseVersion {
  text: string;
  hash: string;
}

/** What a model is told when its read is outdated. */
export function staleMessage(rel: string): string {
  return `${rel}: file changed since you read it; read it again (read_file) and redo the change against the new content`;
}

/** Loads a text file to change it, or null when it does not exist; ToolInputError for dirs, binaries and huge files. */
export async function loadForChange(path: WorkspacePath, maxFileBytes: number, tool: string): Promise<BaseVersion | null> {
  const info = await stat(path.abs).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (!info) return null;
  if (info.isDirectory()) throw new ToolInputError(`${path.rel} is a directory; ${tool} works on files`);
  if (info.size > maxFileBytes) {
    throw new ToolInputError(`${path.rel} is ${formatBytes(info.size)}, over the ${formatBytes(maxFileBytes)} limit; ${tool} cannot change files that large`);
  }
  const head = await readFileHead(path, maxFileBytes);
  if (isBinary(head.bytes)) throw new ToolInputError(`${path.rel} is a binary file; ${tool} only changes text files`);
  return { text: head.bytes.toString('utf8'), hash: hashBytes(head.bytes) };
}

/** A ProposedFile for replacing `before` (null: the file is new) with `after`. */
export function proposeFile(rel: string, before: string | null, after: string): ProposedFile {
  const diff = createTwoFilesPatch(before === null ? '/dev/null' : `a/${rel}`, `b/${rel}`, before ?? '', after, undefined, undefined, {
    headerOptions: FILE_HEADERS_ONLY,
  });
  return { path: rel, status: before === null ? 'added' : 'modified', diff, before: before ?? '', after };
}

/** "+3 -1" from a unified diff. */
export function diffStats(diff: string): string {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  return `+${added} -${removed}`;
}

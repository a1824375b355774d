/** read_file: a text file (or a line range of it) with line numbers. */
import type { Tool } from '../kernel/ports/tools';
import { ToolInputError } from '../kernel/ports/tools';
import { decodeText, hashBytes, isBinary, readFileHead, splitLines } from './fileContent';
import type { WorkspacePath } from './paths';
import { clipLine, countOf, ok, type WorkspaceEnv } from './workspaceEnv';
import { formatBytes } from '../text/bytes';

interface ReadFileInput {
  path: string;
  start_line?: number;
  end_line?: number;
}

// Minified files can have megabyte-long lines; one of them must not eat the whole output budget.
const MAX_LINE_CHARS = 2000;

/** Creates the read_file tool. */
export function readFileTool(env: WorkspaceEnv): Tool {
  return {
    name: 'read_file',
    description:
      'Read a text file of the workspace. Returns its lines prefixed with line numbers (the numbers are not part of the file). ' +
      'Use start_line/end_line (1-based, inclusive) for a part of a long file. Read a file before editing it.',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'workspace-relative path of the file' },
        start_line: { type: 'integer', minimum: 1, description: 'first line to show (default 1)' },
        end_line: { type: 'integer', minimum: 1, description: 'last line to show (default: end of file)' },
      },
      required: ['path'],
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: ['fs.read'],
    async prepare(raw, context) {
      const input = raw as ReadFileInput;
      const path = await env.paths.resolve(input.path);
      // Checked now so a bad call fails before any approval; read again in run() so the text
      // shown and the hash recorded are of the same, current version.
      await loadLines(path, input, env);
      const range = input.start_line || input.end_line ? ` lines ${input.start_line ?? 1}-${input.end_line ?? 'end'}` : '';
      return {
        subject: { kind: 'tool', summary: `read ${path.rel}${range}`, input: { ...input, path: path.rel } },
        async run() {
          const { head, lines, start, end } = await loadLines(path, input, env);
          // A truncated file cannot be edited or overwritten anyway (over maxFileBytes), so
          // hashing all of a possibly huge file would buy nothing.
          if (!head.truncated) env.ledger.record(context.pid, path.rel, hashBytes(head.bytes));
          return ok(formatRead(path.rel, lines, start, end, head.truncated ? head.size : null, env));
        },
      };
    },
  };
}

/** Reads the file's text lines and checks the requested range; ToolInputError for binary files and bad ranges. */
async function loadLines(path: WorkspacePath, input: ReadFileInput, env: WorkspaceEnv) {
  const head = await readFileHead(path, env.maxFileBytes);
  if (isBinary(head.bytes)) {
    throw new ToolInputError(`${path.rel} is a binary file (${formatBytes(head.size)}); read_file only shows text files`);
  }
  const lines = splitLines(decodeText(head));
  const start = input.start_line ?? 1;
  const end = Math.min(input.end_line ?? lines.length, lines.length);
  if (input.end_line !== undefined && input.end_line < start) {
    throw new ToolInputError(`end_line ${input.end_line} is before start_line ${start}`);
  }
  if (start > Math.max(lines.length, 1)) {
    throw new ToolInputError(`start_line ${start} is past the end of ${path.rel}, which has ${countOf(lines.length, head.truncated ? 'readable line' : 'line')}`);
  }
  return { head, lines, start, end };
}

/** Header, numbered lines, and a marker wherever something was left out. */
function formatRead(rel: string, lines: string[], start: number, end: number, truncatedSize: number | null, env: WorkspaceEnv): string {
  if (lines.length === 0) return truncatedSize === null ? `${rel} (empty file)` : `${rel}: first line is longer than ${formatBytes(env.maxFileBytes)}; nothing readable`;
  const total = truncatedSize === null ? countOf(lines.length, 'line') : `${lines.length}+ lines, ${formatBytes(truncatedSize)}`;
  const shownAll = start === 1 && end === lines.length;
  const out = [shownAll ? `${rel} (${total})` : `${rel} (${total}; lines ${start}-${end})`];
  const width = String(end).length;
  let used = out[0].length;
  let last = start - 1;
  for (let n = start; n <= end; n++) {
    const line = `${String(n).padStart(width)}\t${clipLine(lines[n - 1], MAX_LINE_CHARS)}`;
    if (used + line.length + 1 > env.maxResultChars && n > start) break;
    out.push(line);
    used += line.length + 1;
    last = n;
  }
  if (last < end) {
    out.push(`[output limit reached after line ${last}; call read_file with start_line=${last + 1} to continue]`);
  } else if (truncatedSize !== null && end === lines.length) {
    out.push(
      `[truncated: the file is ${formatBytes(truncatedSize)} and only its first ${formatBytes(env.maxFileBytes)} (lines 1-${lines.length}) can be read]`,
    );
  }
  return out.join('\n');
}

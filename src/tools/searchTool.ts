/** search_text: lines of workspace text files that contain a string or match a regex. */
import { stat } from 'node:fs/promises';
import { RE2JS } from 're2js';
import type { Tool } from '../kernel/ports/tools';
import { ToolInputError } from '../kernel/ports/tools';
import { decodeText, isBinary, readFileHead, splitLines } from './fileContent';
import type { WorkspacePath } from './paths';
import { walk } from './walk';
import { clipLine, countOf, ok, type WorkspaceEnv } from './workspaceEnv';
import { formatBytes } from '../text/bytes';

interface SearchTextInput {
  query: string;
  path?: string;
  regex?: boolean;
  max_results?: number;
}

const DEFAULT_MAX_RESULTS = 50;
const MAX_LINE_CHARS = 200;
// Bounds the time one search can take on a huge tree.
const MAX_FILES = 20000;
const MAX_QUERY_CHARS = 1000;

/** Creates the search_text tool. */
export function searchTextTool(env: WorkspaceEnv): Tool {
  return {
    name: 'search_text',
    description:
      'Search workspace text files for a string (case-sensitive), or a regular expression when regex is true ' +
      '(RE2 syntax, like JavaScript without backreferences or lookaround; it runs in linear time). ' +
      'Returns matching lines as path:line: text. Binary files, .git and node_modules are skipped unless path points into them.',
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string', minLength: 1, maxLength: MAX_QUERY_CHARS, description: 'text to find (or a regex when regex is true)' },
        path: { type: 'string', description: 'workspace-relative file or directory to search (default: whole workspace)' },
        regex: { type: 'boolean', description: 'treat query as a regular expression (default false)' },
        max_results: { type: 'integer', minimum: 1, maximum: 500, description: `matching lines to return at most (default ${DEFAULT_MAX_RESULTS})` },
      },
      required: ['query'],
      additionalProperties: false,
    },
    risk: 'low',
    capabilities: ['fs.read'],
    async prepare(raw, context) {
      const input = raw as SearchTextInput;
      const path = await env.paths.resolve(input.path ?? '.');
      const matches = lineMatcher(input);
      const info = await stat(path.abs).catch(() => null);
      if (!info) throw new ToolInputError(`path not found: ${path.rel}; use list_dir to see what exists`);
      const maxResults = input.max_results ?? DEFAULT_MAX_RESULTS;
      return {
        subject: { kind: 'tool', summary: `search ${path.rel} for ${JSON.stringify(input.query)}`, input: { ...input, path: path.rel } },
        async run() {
          const results: string[] = [];
          const files = new Set<string>();
          const notes: string[] = [];
          let used = 0;
          let more = false;
          let scanned = 0;
          for await (const file of filesUnder(path, info.isDirectory(), context.signal)) {
            if (++scanned > MAX_FILES) {
              notes.push(`[stopped after ${MAX_FILES} files; search a subdirectory]`);
              break;
            }
            const head = await readFileHead(file, env.maxFileBytes).catch(() => null);
            if (!head || isBinary(head.bytes)) continue;
            const lines = splitLines(decodeText(head));
            for (let i = 0; i < lines.length && !more; i++) {
              if (!matches(lines[i])) continue;
              const line = `${file.rel}:${i + 1}: ${clipLine(lines[i].trim(), MAX_LINE_CHARS)}`;
              if (results.length >= maxResults || used + line.length + 1 > env.maxResultChars) {
                more = true;
                break;
              }
              results.push(line);
              used += line.length + 1;
              files.add(file.rel);
            }
            if (head.truncated) notes.push(`[only the first ${formatBytes(env.maxFileBytes)} of ${file.rel} was searched]`);
            if (more) break;
          }
          if (results.length === 0) return ok(`no matches for ${JSON.stringify(input.query)} in ${path.rel} (${countOf(scanned, 'file')} searched)`);
          const summary = `${countOf(results.length, 'matching line')} in ${countOf(files.size, 'file')}`;
          if (more) notes.push(`[more matches not shown; narrow the query or path, or raise max_results]`);
          return ok([summary, ...results, ...notes].join('\n'));
        },
      };
    },
  };
}

/**
 * A line predicate for the query; ToolInputError for a bad regex. A model-supplied pattern runs on
 * RE2 (linear time in the line's length): a backtracking engine would let `(a+)+$` freeze the kernel.
 */
export function lineMatcher(input: SearchTextInput): (line: string) => boolean {
  if (!input.regex) return (line) => line.includes(input.query);
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(input.query);
  } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new ToolInputError(`query is not a regular expression this search supports (${why}); it uses RE2 syntax: no backreferences (\\1) or lookaround ((?=…), (?<=…)). Rewrite it, or set regex to false to search for the literal text`);
  }
  return (line) => pattern.matcher(line).find();
}

/** The regular files to search: the file itself, or every file under the directory. */
async function* filesUnder(path: WorkspacePath, isDirectory: boolean, signal: AbortSignal): AsyncGenerator<WorkspacePath> {
  if (!isDirectory) {
    yield path;
    return;
  }
  for await (const entry of walk(path.abs, Infinity, signal)) {
    if (entry.kind === 'file') yield { abs: entry.abs, rel: path.rel === '.' ? entry.rel : `${path.rel}/${entry.rel}` };
  }
}

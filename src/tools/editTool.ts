/** edit_file: replace an exact piece of text in a file the agent has read. */
import type { Tool } from '../kernel/ports/tools';
import { ToolInputError } from '../kernel/ports/tools';
import { currentHash, hashBytes, notFound, writeVerified } from './fileContent';
import { diffStats, loadForChange, proposeFile, staleMessage } from './proposal';
import { failed, ok, type WorkspaceEnv } from './workspaceEnv';

interface EditFileInput {
  path: string;
  old_text: string;
  new_text: string;
  expected_replacements?: number;
}

/** Creates the edit_file tool. */
export function editFileTool(env: WorkspaceEnv): Tool {
  return {
    name: 'edit_file',
    description:
      'Replace old_text with new_text in a file you have read with read_file. old_text must match the file exactly ' +
      '(whitespace and indentation included, without line numbers) and occur exactly once, or exactly expected_replacements times ' +
      'to replace every occurrence. Include enough surrounding lines to make it unique.',
    inputSchema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'workspace-relative path of the file' },
        old_text: { type: 'string', minLength: 1, description: 'exact text to replace' },
        new_text: { type: 'string', description: 'replacement text' },
        expected_replacements: { type: 'integer', minimum: 1, description: 'how many occurrences to replace (default 1)' },
      },
      required: ['path', 'old_text', 'new_text'],
      additionalProperties: false,
    },
    risk: 'medium',
    capabilities: ['fs.write'],
    async prepare(raw, context) {
      const input = raw as EditFileInput;
      const path = await env.paths.resolve(input.path);
      const base = await loadForChange(path, env.maxFileBytes, 'edit_file');
      if (!base) throw notFound(path);
      const seen = env.ledger.lastSeen(context.pid, path.rel);
      if (seen === undefined) throw new ToolInputError(`you have not read ${path.rel} yet; read it with read_file first so the edit is based on its current content`);
      if (seen !== base.hash) throw new ToolInputError(staleMessage(path.rel));
      if (input.old_text === input.new_text) throw new ToolInputError('old_text and new_text are identical; nothing would change');
      const { oldText, newText } = matchLineEndings(base.text, input.old_text, input.new_text);
      const expected = input.expected_replacements ?? 1;
      const found = countOccurrences(base.text, oldText);
      if (found !== expected) throw new ToolInputError(occurrenceMessage(path.rel, found, expected));
      const after = base.text.split(oldText).join(newText);
      const file = proposeFile(path.rel, base.text, after);
      const firstLine = base.text.slice(0, base.text.indexOf(oldText)).split('\n').length;
      return {
        subject: { kind: 'edit', summary: `edit ${path.rel} (${diffStats(file.diff)})`, files: [file] },
        async run() {
          const again = await env.paths.resolve(input.path);
          if (again.abs !== path.abs || (await currentHash(path.abs)) !== base.hash) return failed(staleMessage(path.rel));
          try {
            await writeVerified(path, after, true);
          } catch (err) {
            return failed(`could not write ${path.rel}: ${(err as Error).message}`);
          }
          env.ledger.record(context.pid, path.rel, hashBytes(after));
          const what = expected === 1 ? `1 occurrence at line ${firstLine}` : `${expected} occurrences, the first at line ${firstLine}`;
          return ok(`edited ${path.rel}: replaced ${what} (${diffStats(file.diff)} lines)`);
        },
      };
    },
  };
}

/** Non-overlapping occurrences, the same ones `split` replaces. */
function countOccurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/**
 * Models write "\n"; a CRLF file would then never match. When the text only matches with CRLF
 * line endings, use them for old and new text alike so the file keeps its style.
 */
function matchLineEndings(text: string, oldText: string, newText: string): { oldText: string; newText: string } {
  if (!text.includes('\r\n') || oldText.includes('\r') || !oldText.includes('\n') || text.includes(oldText)) return { oldText, newText };
  const crlf = (s: string) => s.replace(/\n/g, '\r\n');
  return text.includes(crlf(oldText)) ? { oldText: crlf(oldText), newText: crlf(newText) } : { oldText, newText };
}

function occurrenceMessage(rel: string, found: number, expected: number): string {
  if (found === 0) {
    return `old_text was not found in ${rel}; it must match the file exactly, including whitespace and indentation (without the line numbers read_file shows). Read the file again and copy the text`;
  }
  if (expected === 1) {
    return `old_text occurs ${found} times in ${rel}; include more surrounding lines to make it unique, or set expected_replacements to ${found} to replace all of them`;
  }
  return `old_text occurs ${found} times in ${rel}, not ${expected} as expected_replacements says; adjust old_text or set expected_replacements to ${found}`;
}

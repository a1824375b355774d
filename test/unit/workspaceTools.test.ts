import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyPatch } from 'diff';
import type { ApprovalSubject, ProposedFile } from '../../src/kernel/ports/approvals';
import type { PreparedCall, Tool, ToolContext, ToolOutcome } from '../../src/kernel/ports/tools';
import { ToolInputError } from '../../src/kernel/ports/tools';
import type { Pid } from '../../src/kernel/types';
import { ToolRegistry } from '../../src/tools/registry';
import { createWorkspaceTools, type WorkspaceToolOptions } from '../../src/tools/workspace';

type ToolName = 'read_file' | 'list_dir' | 'search_text' | 'write_file' | 'edit_file';

describe('workspace tools', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'aios-ws-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  function context(pid: Pid = 1): ToolContext {
    return { pid, agentName: `agent${pid}`, signal: new AbortController().signal, proposeChanges: async () => ({ approved: [] }) };
  }

  function workspace(options: Partial<WorkspaceToolOptions> = {}) {
    const byName = new Map(createWorkspaceTools({ root, ...options }).map((t) => [t.name, t] as const));
    const tool = (name: ToolName): Tool => byName.get(name)!;
    return {
      prepare: (name: ToolName, input: unknown, pid: Pid = 1): Promise<PreparedCall> => tool(name).prepare(input, context(pid)),
      call: async (name: ToolName, input: unknown, pid: Pid = 1): Promise<ToolOutcome> => (await tool(name).prepare(input, context(pid))).run(),
      /** the ToolInputError message of a call that must be refused */
      refusal: async (name: ToolName, input: unknown, pid: Pid = 1): Promise<string> => {
        const err = await tool(name).prepare(input, context(pid)).then(() => null, (e: unknown) => e);
        assert.ok(err instanceof ToolInputError, `expected ${name} ${JSON.stringify(input)} to be refused`);
        return err.message;
      },
    };
  }

  const put = async (rel: string, content: string | Buffer) => {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), content);
  };
  const text = (rel: string) => readFile(join(root, rel), 'utf8');
  const editedFile = (subject: ApprovalSubject): ProposedFile => {
    assert.equal(subject.kind, 'edit');
    assert.equal(subject.kind === 'edit' && subject.files.length, 1);
    return (subject as Extract<ApprovalSubject, { kind: 'edit' }>).files[0];
  };

  it('declares schemas the registry accepts', () => {
    const registry = new ToolRegistry();
    for (const tool of createWorkspaceTools({ root })) registry.register(tool);
    assert.deepEqual(registry.list().map((t) => `${t.name}:${t.risk}:${t.capabilities.join()}`), [
      'edit_file:medium:fs.write',
      'list_dir:low:fs.read',
      'read_file:low:fs.read',
      'search_text:low:fs.read',
      'write_file:medium:fs.write',
    ]);
    const bad = registry.validate('edit_file', { path: 'a', old: 'x', new_text: 'y' });
    assert.ok(!bad.ok && /missing required property 'old_text'/.test(bad.error) && /unknown property 'old'/.test(bad.error));
  });

  describe('read_file', () => {
    it('returns numbered lines, whole or a range', async () => {
      await put('src/a.ts', 'one\ntwo\nthree\n');
      const ws = workspace();
      assert.deepEqual(await ws.call('read_file', { path: 'src/a.ts' }), { content: 'src/a.ts (3 lines)\n1\tone\n2\ttwo\n3\tthree', isError: false });
      assert.equal((await ws.call('read_file', { path: 'src/a.ts', start_line: 2, end_line: 2 })).content, 'src/a.ts (3 lines; lines 2-2)\n2\ttwo');
      assert.match(await ws.refusal('read_file', { path: 'src/a.ts', start_line: 9 }), /start_line 9 is past the end of src\/a.ts, which has 3 lines/);
    });

    it('says how to continue when the output limit cuts the file', async () => {
      await put('long.txt', Array.from({ length: 100 }, (_, i) => `line number ${i + 1}`).join('\n'));
      const out = (await workspace({ maxResultChars: 200 }).call('read_file', { path: 'long.txt' })).content;
      const shown = out.split('\n').filter((l) => /^\s*\d+\t/.test(l));
      assert.ok(shown.length > 3 && shown.length < 20, out);
      assert.match(out, new RegExp(`call read_file with start_line=${shown.length + 1} to continue`));
    });

    it('truncates a file over maxFileBytes with a marker, never showing a partial line', async () => {
      const lines = Array.from({ length: 50 }, (_, i) => `row ${String(i + 1).padStart(3, '0')}`); // 8 bytes per line
      await put('huge.log', lines.join('\n') + '\n');
      const out = (await workspace({ maxFileBytes: 100 }).call('read_file', { path: 'huge.log' })).content;
      assert.match(out, /^huge\.log \(12\+ lines, 400 B\)/);
      assert.match(out, /12\trow 012\n\[truncated: the file is 400 B and only its first 100 B \(lines 1-12\) can be read\]$/);
      assert.doesNotMatch(out, /row 013/);
    });

    it('refuses binary files, missing files and directories with what to do', async () => {
      await put('img.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
      await mkdir(join(root, 'dir'));
      const ws = workspace();
      assert.match(await ws.refusal('read_file', { path: 'img.png' }), /img\.png is a binary file .*only shows text files/);
      assert.match(await ws.refusal('read_file', { path: 'nope.ts' }), /file not found: nope\.ts; use list_dir or search_text/);
      assert.match(await ws.refusal('read_file', { path: 'dir' }), /dir is a directory.*use list_dir/);
    });

    it('refuses paths outside the workspace: .., absolute, and through a symlink to /etc', async () => {
      await symlink('/etc', join(root, 'etc'));
      const ws = workspace();
      assert.match(await ws.refusal('read_file', { path: '../x' }), /'\.\.\/x' is outside the workspace root/);
      assert.match(await ws.refusal('read_file', { path: '/etc/passwd' }), /'\/etc\/passwd' is outside the workspace root/);
      assert.match(await ws.refusal('read_file', { path: 'etc/passwd' }), /symlink that resolves to \/etc\/passwd, outside the workspace root/);
      assert.match(await ws.refusal('list_dir', { path: 'etc' }), /outside the workspace root/);
      assert.match(await ws.refusal('search_text', { query: 'root', path: 'etc' }), /outside the workspace root/);
      assert.match(await ws.refusal('write_file', { path: 'etc/evil', content: 'x' }), /outside the workspace root/);
    });
  });

  describe('list_dir', () => {
    it('lists entries sorted, with type and size, expanding to the asked depth', async () => {
      await put('src/b.ts', 'x'.repeat(2048));
      await put('src/a.ts', 'abc');
      await put('README.md', '');
      await put('node_modules/pkg/index.js', '');
      await put('.git/HEAD', '');
      await symlink('/etc', join(root, 'etc'));
      const ws = workspace();
      assert.equal(
        (await ws.call('list_dir', {})).content,
        [
          './ (5 entries, depth 1)',
          '.git/  (not expanded; list it by path to see inside)',
          'README.md  0 B',
          'etc@',
          'node_modules/  (not expanded; list it by path to see inside)',
          'src/',
        ].join('\n'),
      );
      const deep = (await ws.call('list_dir', { depth: 3 })).content;
      assert.match(deep, /\nsrc\/\nsrc\/a\.ts {2}3 B\nsrc\/b\.ts {2}2 KiB$/);
      assert.doesNotMatch(deep, /HEAD|pkg/);
      assert.equal((await ws.call('list_dir', { path: 'node_modules', depth: 2 })).content, 'node_modules/ (2 entries, depth 2)\nnode_modules/pkg/\nnode_modules/pkg/index.js  0 B');
    });

    it('bounds the listing with a count of what was left out', async () => {
      for (let i = 0; i < 230; i++) await put(`many/f${String(i).padStart(3, '0')}.txt`, '');
      const out = (await workspace().call('list_dir', { path: 'many' })).content;
      const lines = out.split('\n');
      assert.equal(lines[0], 'many/ (230 entries, depth 1)');
      assert.equal(lines.length, 1 + 200 + 1);
      assert.equal(lines[200], 'many/f199.txt  0 B');
      assert.equal(lines[201], '… 30 more; list a subdirectory or use a smaller depth');
    });

    it('refuses a file or a missing directory', async () => {
      await put('a.ts', '');
      const ws = workspace();
      assert.match(await ws.refusal('list_dir', { path: 'a.ts' }), /a\.ts is a file.*use read_file/);
      assert.match(await ws.refusal('list_dir', { path: 'nope' }), /directory not found: nope/);
    });
  });

  describe('search_text', () => {
    it('returns file:line matches and skips binary files, .git and node_modules', async () => {
      await put('src/a.ts', 'const needle = 1;\nother\n  needle again\n');
      await put('src/b.bin', Buffer.concat([Buffer.from('needle'), Buffer.from([0, 1, 2])]));
      await put('node_modules/x/i.js', 'needle');
      await put('.git/config', 'needle');
      await put('docs/n.md', 'no match\nneedle in docs');
      assert.equal(
        (await workspace().call('search_text', { query: 'needle' })).content,
        '3 matching lines in 2 files\ndocs/n.md:2: needle in docs\nsrc/a.ts:1: const needle = 1;\nsrc/a.ts:3: needle again',
      );
    });

    it('searches a given path, by regex, and says when nothing matched', async () => {
      await put('src/a.ts', 'foo1\nfoo22\nbar\n');
      await put('node_modules/x/i.js', 'foo3');
      const ws = workspace();
      assert.equal((await ws.call('search_text', { query: 'foo\\d{2}', regex: true, path: 'src' })).content, '1 matching line in 1 file\nsrc/a.ts:2: foo22');
      assert.equal((await ws.call('search_text', { query: 'foo', path: 'node_modules' })).content, '1 matching line in 1 file\nnode_modules/x/i.js:1: foo3');
      assert.equal((await ws.call('search_text', { query: 'zzz' })).content, 'no matches for "zzz" in . (1 file searched)');
      assert.match(await ws.refusal('search_text', { query: '(', regex: true }), /not a regular expression this search supports.*set regex to false/);
    });

    it('stops at max_results and says there is more', async () => {
      await put('a.txt', Array.from({ length: 30 }, () => 'hit').join('\n'));
      const out = (await workspace().call('search_text', { query: 'hit', max_results: 5 })).content;
      const lines = out.split('\n');
      assert.equal(lines.filter((l) => l.startsWith('a.txt:')).length, 5);
      assert.match(lines[lines.length - 1], /more matches not shown; narrow the query or path, or raise max_results/);
    });
  });

  describe('write_file', () => {
    it('proposes an added file with a real unified diff, and creates parent directories when run', async () => {
      const ws = workspace();
      const prepared = await ws.prepare('write_file', { path: 'src/deep/new/file.ts', content: 'export const x = 1;\n' });
      const file = editedFile(prepared.subject);
      assert.deepEqual([file.path, file.status, file.before, file.after], ['src/deep/new/file.ts', 'added', '', 'export const x = 1;\n']);
      assert.match(file.diff, /^--- \/dev\/null\n\+\+\+ b\/src\/deep\/new\/file\.ts\n@@ -0,0 \+1,1 @@\n\+export const x = 1;\n$/);
      await assert.rejects(stat(join(root, 'src')), 'nothing is written before run');
      const outcome = await prepared.run();
      assert.equal(outcome.isError, false);
      assert.match(outcome.content, /created src\/deep\/new\/file\.ts \(1 line\)\ncreated the missing directories of src\/deep\/new\//);
      assert.equal(await text('src/deep/new/file.ts'), 'export const x = 1;\n');
    });

    it('proposes a modification whose diff turns the old content into the new', async () => {
      const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
      const after = before.replace('line 3\n', 'LINE THREE\n').replace('line 17\n', '');
      await put('f.txt', before);
      const ws = workspace();
      await ws.call('read_file', { path: 'f.txt' });
      const prepared = await ws.prepare('write_file', { path: 'f.txt', content: after });
      const file = editedFile(prepared.subject);
      assert.equal(file.status, 'modified');
      assert.equal(applyPatch(before, file.diff), after);
      assert.match(prepared.subject.summary, /overwrite f\.txt \(\+1 -2\)/);
      const outcome = await prepared.run();
      assert.equal(outcome.content, 'wrote f.txt (+1 -2 lines)');
      assert.equal(await text('f.txt'), after);
    });

    it('overwrites a file the agent never read, but says so', async () => {
      await put('f.txt', 'a\nb\n');
      const outcome = await workspace().call('write_file', { path: 'f.txt', content: 'c\n' });
      assert.equal(outcome.isError, false);
      assert.match(outcome.content, /note: you had not read f\.txt before; its previous 2 lines were replaced/);
      assert.equal(await text('f.txt'), 'c\n');
    });

    it('refuses to overwrite a file that changed on disk since the agent read it', async () => {
      await put('f.txt', 'v1\n');
      const ws = workspace();
      await ws.call('read_file', { path: 'f.txt' });
      await put('f.txt', 'v2 by the developer\n');
      assert.match(await ws.refusal('write_file', { path: 'f.txt', content: 'v3\n' }), /file changed since you read it; read it again/);
      assert.equal(await text('f.txt'), 'v2 by the developer\n');
    });

    it('fails at run time when the file changed while waiting for approval', async () => {
      await put('f.txt', 'v1\n');
      const ws = workspace();
      await ws.call('read_file', { path: 'f.txt' });
      const prepared = await ws.prepare('write_file', { path: 'f.txt', content: 'v3\n' });
      await put('f.txt', 'v2 by the developer\n');
      const outcome = await prepared.run();
      assert.equal(outcome.isError, true);
      assert.match(outcome.content, /file changed since you read it; read it again/);
      assert.equal(await text('f.txt'), 'v2 by the developer\n');
    });

    it('refuses content identical to the file and content over the size limit', async () => {
      await put('f.txt', 'same\n');
      const ws = workspace({ maxFileBytes: 10 });
      assert.match(await ws.refusal('write_file', { path: 'f.txt', content: 'same\n' }), /already has exactly this content/);
      assert.match(await ws.refusal('write_file', { path: 'g.txt', content: 'x'.repeat(11) }), /content is 11 B, over the 10 B limit/);
    });
  });

  describe('edit_file', () => {
    const source = 'function a() {\n  return 1;\n}\n\nfunction b() {\n  return 1;\n}\n';

    it('replaces a unique occurrence and proposes a diff of exactly that change', async () => {
      await put('src/f.ts', source);
      const ws = workspace();
      await ws.call('read_file', { path: 'src/f.ts' });
      const prepared = await ws.prepare('edit_file', { path: 'src/f.ts', old_text: 'function b() {\n  return 1;', new_text: 'function b() {\n  return 2;' });
      const file = editedFile(prepared.subject);
      const expected = source.replace('b() {\n  return 1;', 'b() {\n  return 2;');
      assert.equal(file.after, expected);
      assert.equal(applyPatch(source, file.diff), expected);
      assert.match(file.diff, /^--- a\/src\/f\.ts\n\+\+\+ b\/src\/f\.ts\n@@ /);
      assert.equal((await prepared.run()).content, 'edited src/f.ts: replaced 1 occurrence at line 5 (+1 -1 lines)');
      assert.equal(await text('src/f.ts'), expected);
    });

    it('explains how to fix old_text that occurs 0 or 2 times, and replaces all when told to', async () => {
      await put('f.ts', source);
      const ws = workspace();
      await ws.call('read_file', { path: 'f.ts' });
      assert.match(await ws.refusal('edit_file', { path: 'f.ts', old_text: 'return 3;', new_text: 'x' }), /old_text was not found in f\.ts; it must match the file exactly, including whitespace/);
      assert.match(
        await ws.refusal('edit_file', { path: 'f.ts', old_text: 'return 1;', new_text: 'return 0;' }),
        /old_text occurs 2 times in f\.ts; include more surrounding lines to make it unique, or set expected_replacements to 2/,
      );
      assert.equal(await text('f.ts'), source);
      const outcome = await ws.call('edit_file', { path: 'f.ts', old_text: 'return 1;', new_text: 'return 0;', expected_replacements: 2 });
      assert.match(outcome.content, /replaced 2 occurrences, the first at line 2/);
      assert.equal(await text('f.ts'), source.replaceAll('return 1;', 'return 0;'));
    });

    it('refuses to edit a file this agent has not read', async () => {
      await put('f.ts', source);
      const ws = workspace();
      await ws.call('read_file', { path: 'f.ts' }, 2);
      assert.match(await ws.refusal('edit_file', { path: 'f.ts', old_text: 'a()', new_text: 'c()' }, 1), /you have not read f\.ts yet; read it with read_file first/);
    });

    it('refuses a stale edit after an external change, and accepts it after reading again', async () => {
      await put('f.ts', source);
      const ws = workspace();
      await ws.call('read_file', { path: 'f.ts' });
      await put('f.ts', source.replace('a()', 'renamed()'));
      const edit = { path: 'f.ts', old_text: 'function b', new_text: 'function c' };
      assert.match(await ws.refusal('edit_file', edit), /f\.ts: file changed since you read it; read it again/);
      await ws.call('read_file', { path: 'f.ts' });
      assert.equal((await ws.call('edit_file', edit)).isError, false);
      assert.equal(await text('f.ts'), source.replace('a()', 'renamed()').replace('function b', 'function c'));
    });

    it('re-checks the file right before writing', async () => {
      await put('f.ts', source);
      const ws = workspace();
      await ws.call('read_file', { path: 'f.ts' });
      const prepared = await ws.prepare('edit_file', { path: 'f.ts', old_text: 'function a', new_text: 'function z' });
      await put('f.ts', 'changed while waiting for approval\n');
      const outcome = await prepared.run();
      assert.equal(outcome.isError, true);
      assert.match(outcome.content, /file changed since you read it; read it again/);
      assert.equal(await text('f.ts'), 'changed while waiting for approval\n');
    });

    it('lets an agent edit again after its own write without re-reading', async () => {
      await put('f.ts', source);
      const ws = workspace();
      await ws.call('read_file', { path: 'f.ts' });
      await ws.call('edit_file', { path: 'f.ts', old_text: 'function a', new_text: 'function x' });
      assert.equal((await ws.call('edit_file', { path: 'f.ts', old_text: 'function b', new_text: 'function y' })).isError, false);
      assert.match(await text('f.ts'), /function x\(\)[\s\S]*function y\(\)/);
    });

    it('refuses binary files and files over maxFileBytes', async () => {
      await put('bin.dat', Buffer.from([0x61, 0x00, 0x62]));
      await put('big.txt', 'x\n'.repeat(100));
      const ws = workspace({ maxFileBytes: 50 });
      await ws.call('read_file', { path: 'big.txt' });
      assert.match(await ws.refusal('edit_file', { path: 'bin.dat', old_text: 'a', new_text: 'c' }), /bin\.dat is a binary file; edit_file only changes text files/);
      assert.match(await ws.refusal('edit_file', { path: 'big.txt', old_text: 'x', new_text: 'y' }), /big\.txt is 200 B, over the 50 B limit; edit_file cannot change files that large/);
    });

    it('keeps CRLF line endings when the model writes \\n', async () => {
      await put('win.txt', 'one\r\ntwo\r\nthree\r\n');
      const ws = workspace();
      await ws.call('read_file', { path: 'win.txt' });
      await ws.call('edit_file', { path: 'win.txt', old_text: 'one\ntwo', new_text: 'one\n2' });
      assert.equal(await text('win.txt'), 'one\r\n2\r\nthree\r\n');
    });
  });
});

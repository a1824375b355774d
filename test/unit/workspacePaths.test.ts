import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ToolInputError } from '../../src/kernel/ports/tools';
import { WorkspacePaths } from '../../src/tools/paths';

describe('WorkspacePaths', () => {
  let root: string;
  let outside: string;
  let paths: WorkspacePaths;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'aios-ws-'));
    outside = await mkdtemp(join(tmpdir(), 'aios-outside-'));
    await mkdir(join(root, 'src'));
    await writeFile(join(root, 'src', 'a.ts'), 'a');
    paths = new WorkspacePaths(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  async function refusal(input: string): Promise<string> {
    const err = await paths.resolve(input).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof ToolInputError, `expected ${input} to be refused`);
    return err.message;
  }

  it('resolves relative and absolute paths inside the root to a real path and a relative one', async () => {
    const real = await realpath(root);
    assert.deepEqual(await paths.resolve('./src//a.ts'), { abs: join(real, 'src', 'a.ts'), rel: 'src/a.ts' });
    assert.deepEqual(await paths.resolve(join(root, 'src', 'a.ts')), { abs: join(real, 'src', 'a.ts'), rel: 'src/a.ts' });
    assert.equal((await paths.resolve('')).rel, '.');
    assert.equal((await paths.resolve('src/new/dir/b.ts')).rel, 'src/new/dir/b.ts');
  });

  it('refuses .. escapes and absolute paths outside, naming the path and the root', async () => {
    const message = await refusal('../x');
    assert.match(message, /'\.\.\/x' is outside the workspace root/);
    assert.ok(message.includes(root));
    assert.match(await refusal('src/../../x'), /outside the workspace root/);
    assert.match(await refusal('/etc/passwd'), /'\/etc\/passwd' is outside the workspace root/);
  });

  it('refuses a symlink inside the workspace that points outside, wherever it is in the path', async () => {
    await symlink('/etc', join(root, 'etc'));
    await symlink(outside, join(root, 'src', 'out'));
    const message = await refusal('etc/passwd');
    assert.match(message, /symlink that resolves to \/etc\/passwd, outside the workspace root/);
    assert.ok(message.includes(root));
    assert.match(await refusal('etc'), /symlink/);
    assert.match(await refusal('src/out/not-yet-created.txt'), /symlink/);
  });

  it('refuses a dangling symlink, which a write would follow to its target', async () => {
    await symlink(join(outside, 'created-by-write.txt'), join(root, 'dangling'));
    assert.match(await refusal('dangling'), /symlink whose target does not exist/);
  });

  it('accepts symlinks that stay inside the workspace and reports the real relative path', async () => {
    await symlink(join(root, 'src'), join(root, 'alias'));
    assert.equal((await paths.resolve('alias/a.ts')).rel, 'src/a.ts');
  });

  it('works when the root itself is reached through a symlink', async () => {
    const link = join(outside, 'ws-link');
    await symlink(root, link);
    const viaLink = new WorkspacePaths(link);
    assert.equal((await viaLink.resolve('src/a.ts')).rel, 'src/a.ts');
    assert.equal((await viaLink.resolve(join(link, 'src', 'a.ts'))).rel, 'src/a.ts');
    await assert.rejects(viaLink.resolve('../x'), ToolInputError);
  });
});

import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths';

const execFileAsync = promisify(execFile);

/**
 * Packages the extension in `extensionDir` into `outFile` with the repo's @vscode/vsce, the way
 * `npx @vscode/vsce package` would, and returns `outFile`.
 */
export async function packageVsix(extensionDir: string, outFile: string): Promise<string> {
  mkdirSync(dirname(outFile), { recursive: true });
  const vsce = join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  // Fixtures have no repository, licence file or dependencies to list: say so instead of failing.
  const args = [vsce, 'package', '--allow-missing-repository', '--skip-license', '--no-dependencies', '--out', outFile];
  try {
    await execFileAsync(process.execPath, args, { cwd: extensionDir, timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`vsce package in ${extensionDir} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
  return outFile;
}

/**
 * What the AIOS e2e tests and benchmarks add to the shared e2e helpers: the packaged extension,
 * a fresh copy of the demo workspace, the kernel host's process, the extension's log file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { E2E_OUTPUT_DIR, REPO_ROOT } from './paths';
import { pollUntil } from './poll';

const execFileAsync = promisify(execFile);

/** The extension's id as code-server installs it (publisher.name). */
export const AIOS_EXTENSION_ID = 'aios-dev.aios';

/** Settings for a test run: no real Docker needed (the sandbox reports itself unavailable). */
export const AIOS_TEST_SETTINGS: Readonly<Record<string, unknown>> = {
  'aios.sandbox.dockerHost': 'unix:///nonexistent/aios-e2e-docker.sock',
  'workbench.editor.enablePreview': false,
  'diffEditor.renderSideBySide': true,
};

/** Runs `npm run package` into the e2e output folder (production bundles + vsce); returns the .vsix path. */
export async function packageAios(): Promise<string> {
  const out = join(E2E_OUTPUT_DIR, 'aios.vsix');
  try {
    await execFileAsync(process.execPath, [join(REPO_ROOT, 'scripts', 'package.mjs'), '--out', out], { cwd: REPO_ROOT, timeout: 180_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`packaging AIOS failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
  return out;
}

/** A fresh copy of demo/ in a temporary folder (agents change files; the repo's copy stays clean). */
export function copyDemoWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aios-e2e-demo-'));
  cpSync(join(REPO_ROOT, 'demo'), dir, { recursive: true });
  return dir;
}

/** Pids of kernel hosts forked from the extension installed in `extensionsDir`. */
export function kernelHostPids(extensionsDir: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.includes(extensionsDir) && /dist\/host\.js/.test(line))
    .map((line) => Number(line.split(/\s+/, 1)[0]));
}

/** Waits for exactly one kernel host of that extension, other than `not`, and returns its pid. */
export function waitForKernelHost(extensionsDir: string, not?: number, timeoutMs = 30_000): Promise<number> {
  return pollUntil(
    () => {
      const pids = kernelHostPids(extensionsDir).filter((p) => p !== not);
      return pids.length === 1 ? pids[0] : undefined;
    },
    { timeoutMs, what: `a kernel host process${not ? ` other than ${not}` : ''} of the extension in ${extensionsDir}` },
  );
}

/** The extension's LogOutputChannel file ("AIOS") under code-server's user data folder, if written yet. */
export function aiosLogFile(userDataDir: string): string | undefined {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || !existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, depth + 1);
      else if (dir.endsWith(AIOS_EXTENSION_ID) && name.endsWith('.log')) found.push(path);
    }
  };
  walk(join(userDataDir, 'logs'), 0);
  return found.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/** The extension's log so far ('' before it exists). */
export function aiosLog(userDataDir: string): string {
  const file = aiosLogFile(userDataDir);
  return file ? readFileSync(file, 'utf8') : '';
}

/** Waits for a log line matching `pattern` (after `skip` characters) and returns its match. */
export function waitForLog(userDataDir: string, pattern: RegExp, options: { skip?: number; timeoutMs?: number } = {}): Promise<RegExpExecArray> {
  return pollUntil(() => pattern.exec(aiosLog(userDataDir).slice(options.skip ?? 0)) ?? undefined, {
    timeoutMs: options.timeoutMs ?? 30_000,
    what: `the AIOS log to show ${pattern}`,
  });
}

/** Label and description of each row of a view, read from the label parts (innerText runs them together). */
export async function viewRows(page: Page, viewTitle: string): Promise<{ label: string; description: string }[]> {
  const pane = page.locator('.pane').filter({ has: page.locator(`:scope > .pane-header[aria-label=${JSON.stringify(`${viewTitle} Section`)}]`) });
  return pane.locator('.pane-body .monaco-list-row').evaluateAll((rows) =>
    rows.map((row) => ({
      label: (row.querySelector('.label-name')?.textContent ?? '').trim(),
      description: (row.querySelector('.label-description')?.textContent ?? '').trim(),
    })),
  );
}

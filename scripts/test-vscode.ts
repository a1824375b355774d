/**
 * `npm run test:vscode`: the extension-host suite (test/vscode/*.test.ts, mocha inside VS Code's
 * extension host, against the real `vscode` API) on a fresh copy of demo/.
 *
 *   tsx scripts/test-vscode.ts                 VS Code desktop through @vscode/test-electron's
 *                                              runTests: VSCODE_EXECUTABLE, else the usual install
 *                                              locations; never downloads one
 *   tsx scripts/test-vscode.ts --build-only    bundles only, plus a fresh demo copy in .test-output/vscode/workspace
 *                                              (the "Extension Tests" launch configuration)
 *   tsx scripts/test-vscode.ts --code-server   the same suite in code-server's extension host,
 *                                              opened in Chromium (what CI runs; needs
 *                                              scripts/ensure-e2e.sh's code-server and Chromium)
 *
 * Exit code 0 when every test passed, 1 when one failed, 2 when nothing could run (and why).
 * With AIOS_TEST_SUMMARY set (scripts/test.mjs), appends the tier's totals to that file.
 */
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as esbuild from 'esbuild';
import { AIOS_TEST_SETTINGS } from '../test/e2e/support/aiosExtension';
import { QUIET_SETTINGS, startCodeServer } from '../test/e2e/support/codeServer';
import { REPO_ROOT } from '../test/e2e/support/paths';
import { missingE2ePrerequisites } from '../test/e2e/support/prerequisites';
import { CHROMIUM_ARGS } from '../test/e2e/support/workbench';
import type { VscodeTestResult } from '../test/vscode/index';

const OUT = join(REPO_ROOT, '.test-output', 'vscode');
const SETTINGS = { ...QUIET_SETTINGS, ...AIOS_TEST_SETTINGS };
const TIMEOUT_MS = 10 * 60_000;

/** Where VS Code desktop usually is, per platform; VSCODE_EXECUTABLE comes first. */
export function vscodeCandidates(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string[] {
  const local = env.LOCALAPPDATA ?? '';
  const programs = env.ProgramFiles ?? 'C:\\Program Files';
  const byPlatform: Record<string, string[]> = {
    linux: ['/usr/share/code/code', '/usr/share/code-insiders/code-insiders', '/snap/code/current/usr/share/code/code', '/opt/visual-studio-code/code', '/usr/lib/code/code'],
    darwin: ['/Applications/Visual Studio Code.app/Contents/MacOS/Electron', '/Applications/Visual Studio Code.app/Contents/MacOS/Code', '/Applications/Visual Studio Code - Insiders.app/Contents/MacOS/Electron'],
    win32: [join(local, 'Programs', 'Microsoft VS Code', 'Code.exe'), join(programs, 'Microsoft VS Code', 'Code.exe')],
  };
  return [env.VSCODE_EXECUTABLE ?? '', ...(byPlatform[platform] ?? [])].filter(Boolean);
}

async function main(): Promise<number> {
  if (process.argv.includes('--build-only')) {
    // for .vscode/launch.json's "Extension Tests": the bundles and a fresh copy of demo/ to open
    build();
    rmSync(join(OUT, 'workspace'), { recursive: true, force: true });
    cpSync(join(REPO_ROOT, 'demo'), join(OUT, 'workspace'), { recursive: true });
    return 0;
  }
  const mode = process.argv.includes('--code-server') ? 'code-server' : 'desktop';
  let executable: string | undefined;
  if (mode === 'desktop') {
    const candidates = vscodeCandidates();
    executable = candidates.find((p) => existsSync(p));
    if (!executable) {
      if (process.env.VSCODE_EXECUTABLE) console.error(`VSCODE_EXECUTABLE=${process.env.VSCODE_EXECUTABLE} does not exist.`);
      console.error([
        'No VS Code desktop found, so the extension-host tests did not run (nothing was downloaded).',
        `Looked at: ${candidates.join(', ')}`,
        'To run them:',
        '  - install VS Code, or point VSCODE_EXECUTABLE at its executable (e.g. /usr/share/code/code), then run `npm run test:vscode` again;',
        '  - or run the same suite inside code-server, as CI does: `npm run test:vscode -- --code-server` (needs `bash scripts/ensure-e2e.sh` once).',
      ].join('\n'));
      return summary({ passed: 0, failed: 0, pending: 0 }, 2);
    }
  } else {
    const missing = missingE2ePrerequisites();
    if (missing.length) {
      const reason = `the extension-host tests in code-server need:\n  - ${missing.join('\n  - ')}`;
      console.error(process.env.CI === 'true' ? `FAILED: ${reason}` : `skipped: ${reason}`);
      return summary({ passed: 0, failed: process.env.CI === 'true' ? 1 : 0, pending: process.env.CI === 'true' ? 0 : 1 }, process.env.CI === 'true' ? 1 : 0);
    }
  }

  build();
  const work = mkdtempSync(join(tmpdir(), 'aios-vscode-test-'));
  const workspace = join(work, 'workspace');
  cpSync(join(REPO_ROOT, 'demo'), workspace, { recursive: true });
  const resultFile = join(work, 'result.json');
  try {
    const ran = mode === 'desktop' ? await runDesktop(executable!, workspace, work, resultFile) : await runInCodeServer(workspace, resultFile);
    if (!existsSync(resultFile)) {
      console.error(`The extension host ended without results (${ran}): see the output above.`);
      return summary({ passed: 0, failed: 1, pending: 0 }, 1);
    }
    const result = JSON.parse(readFileSync(resultFile, 'utf8')) as VscodeTestResult;
    for (const t of result.tests) {
      console.log(`  ${t.state === 'passed' ? '✔' : t.state === 'failed' ? '✗' : '-'} ${t.title}${t.ms !== null ? ` (${t.ms} ms)` : ''}`);
      if (t.error) console.log(`      ${t.error.split('\n').join('\n      ')}`);
    }
    console.log(`extension-host tests (${mode}): ${result.passed} passed, ${result.failed} failed${result.pending ? `, ${result.pending} pending` : ''}`);
    return summary(result, result.failed > 0 || result.passed === 0 ? 1 : 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The extension (dist/) and the suite (.test-output/vscode/), bundled; vscode and mocha stay external. */
function build(): void {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'esbuild.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed: see above');
  rmSync(join(OUT, 'index.js'), { force: true });
  const dir = join(REPO_ROOT, 'test', 'vscode');
  esbuild.buildSync({
    entryPoints: readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)),
    outdir: OUT, bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: 'inline',
    external: ['vscode', 'mocha'], logLevel: 'warning',
  });
}

/** VS Code desktop through @vscode/test-electron, on the executable found (no download). */
async function runDesktop(executable: string, workspace: string, work: string, resultFile: string): Promise<string> {
  const { runTests } = await import('@vscode/test-electron');
  const userData = join(work, 'user-data');
  mkdirSync(join(userData, 'User'), { recursive: true });
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  console.log(`running the extension-host tests in ${executable}`);
  const code = await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: join(OUT, 'index.js'),
    extensionTestsEnv: { AIOS_VSCODE_TEST_RESULT: resultFile },
    launchArgs: [workspace, '--disable-extensions', '--user-data-dir', userData, '--extensions-dir', join(work, 'extensions'), '--skip-welcome', '--skip-release-notes', '--disable-workspace-trust'],
  }).catch((err: Error) => `failed: ${err.message}`);
  return `VS Code exited: ${code}`;
}

/**
 * code-server's remote extension host runs the suite when the browser workbench opens with the
 * `payload` parameter naming extensionDevelopmentPath and extensionTestsPath (as VS Code's own
 * web integration tests do); the results come back through AIOS_VSCODE_TEST_RESULT.
 */
async function runInCodeServer(workspace: string, resultFile: string): Promise<string> {
  const { chromium } = await import('playwright-core');
  const { CHROMIUM_BIN } = await import('../test/e2e/support/paths');
  const server = await startCodeServer({ workspace, settings: SETTINGS, env: { AIOS_VSCODE_TEST_RESULT: resultFile } });
  const browser = await chromium.launch({ executablePath: CHROMIUM_BIN, args: CHROMIUM_ARGS });
  try {
    const authority = new URL(server.url).host;
    const remote = (path: string) => `vscode-remote://${authority}${path}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(REPO_ROOT)], ['extensionTestsPath', remote(join(OUT, 'index.js'))]]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    console.log(`running the extension-host tests in code-server (${server.url})`);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const deadline = Date.now() + TIMEOUT_MS;
    while (!existsSync(resultFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    if (!existsSync(resultFile)) {
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'no-result.png') }).catch(() => undefined);
      console.error(server.logs().split('\n').slice(-40).join('\n'));
      return `no result within ${TIMEOUT_MS / 60_000} min; screenshot in ${join(OUT, 'no-result.png')}`;
    }
    return 'results written';
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Appends the totals for scripts/test.mjs and returns `code`. */
function summary(r: Pick<VscodeTestResult, 'passed' | 'failed' | 'pending'>, code: number): number {
  const file = process.env.AIOS_TEST_SUMMARY;
  if (file) appendFileSync(file, `${JSON.stringify({ tier: process.env.AIOS_TEST_TIER ?? 'vscode', passed: r.passed, failed: r.failed, pending: r.pending })}\n`);
  return code;
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

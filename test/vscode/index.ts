/**
 * The extension-host test runner: VS Code (desktop through @vscode/test-electron, or code-server's
 * remote extension host) loads this file as `extensionTestsPath` and calls `run()`. It runs every
 * `*.test.js` next to it with mocha, prints the spec report, and, when AIOS_VSCODE_TEST_RESULT
 * names a file, writes the results there as JSON (code-server's extension host has no exit code
 * that reaches the launcher). See scripts/test-vscode.ts.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/** What the launcher reads back. */
export interface VscodeTestResult {
  passed: number;
  failed: number;
  pending: number;
  tests: Array<{ title: string; state: 'passed' | 'failed' | 'pending'; error: string | null; ms: number | null }>;
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 90_000, color: false, reporter: 'spec' });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(join(__dirname, file));
  const result: VscodeTestResult = { passed: 0, failed: 0, pending: 0, tests: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => result.tests.push({ title: t.fullTitle(), state: 'passed', error: null, ms: t.duration ?? null }));
    runner.on('fail', (t, err: Error) => result.tests.push({ title: t.fullTitle(), state: 'failed', error: err.stack ?? err.message, ms: t.duration ?? null }));
    runner.on('pending', (t) => result.tests.push({ title: t.fullTitle(), state: 'pending', error: null, ms: null }));
  });
  for (const t of result.tests) result[t.state]++;
  const out = process.env.AIOS_VSCODE_TEST_RESULT;
  if (out) writeFileSync(out, JSON.stringify(result, null, 2));
  if (result.failed > 0) throw new Error(`${result.failed} of ${result.tests.length} extension-host tests failed`);
}

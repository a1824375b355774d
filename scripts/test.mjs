#!/usr/bin/env node
// Runs every test tier in order and ends with one line "N passed, N failed" summed over tiers.
// Usage: node scripts/test.mjs [unit|integration|vscode|e2e ...]   (default: all tiers)
// The vscode tier runs test/vscode inside code-server's extension host (scripts/test-vscode.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tiers = {
  unit: { dir: 'test/unit', timeout: 10000 },
  integration: { dir: 'test/integration', timeout: 60000 },
  vscode: { dir: 'test/vscode', command: ['--import', 'tsx', 'scripts/test-vscode.ts', '--code-server'] },
  e2e: { dir: 'test/e2e', timeout: 180000 },
};
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(tiers);
const summary = join(mkdtempSync(join(tmpdir(), 'aios-test-')), 'summary.jsonl');
let exitCode = 0;
for (const name of wanted) {
  const tier = tiers[name];
  if (!tier) { console.error(`unknown test tier '${name}': use one of ${Object.keys(tiers).join(', ')}`); process.exit(2); }
  if (!existsSync(tier.dir) || !readdirSync(tier.dir).some((f) => f.endsWith('.test.ts'))) continue;
  console.log(`\n=== ${name} tests (${tier.dir}) ===`);
  const r = spawnSync(process.execPath, tier.command ?? [
    'node_modules/mocha/bin/mocha.js', '--import=tsx', '--reporter', 'test/support/summaryReporter.js',
    '--timeout', String(tier.timeout), `${tier.dir}/**/*.test.ts`,
  ], { stdio: 'inherit', env: { ...process.env, AIOS_TEST_SUMMARY: summary, AIOS_TEST_TIER: name } });
  if (r.status !== 0) exitCode = 1;
}
let passed = 0, failed = 0, pending = 0;
if (existsSync(summary)) {
  for (const line of readFileSync(summary, 'utf8').split('\n').filter(Boolean)) {
    const s = JSON.parse(line);
    console.log(`  ${s.tier}: ${s.passed} passed, ${s.failed} failed${s.pending ? `, ${s.pending} pending` : ''}`);
    passed += s.passed; failed += s.failed; pending += s.pending;
  }
}
if (exitCode !== 0 && failed === 0) failed = 1; // a tier crashed before reporting: never report green
if (passed === 0 && failed === 0) { console.log('no test ran'); exitCode = 1; }
console.log(`${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}`);
process.exit(exitCode || (failed ? 1 : 0));

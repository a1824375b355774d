/** The summary reporter turns a test that leaks a handle into a failed tier (mocha runs without --exit). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

describe('the test tiers without --exit', function () {
  this.timeout(60_000);

  it('fail a tier whose tests leave a server listening, naming it', () => {
    const summary = join(mkdtempSync(join(tmpdir(), 'aios-leak-')), 'summary.jsonl');
    const r = spawnSync(process.execPath, [
      'node_modules/mocha/bin/mocha.js', '--import=tsx', '--reporter', 'test/support/summaryReporter.js',
      'test/support/fixtures/leakingServer.fixture.ts',
    ], { cwd: ROOT, encoding: 'utf8', timeout: 50_000, env: { ...process.env, AIOS_TEST_SUMMARY: summary, AIOS_TEST_TIER: 'leaky', AIOS_TEST_EXIT_GRACE_MS: '500' } });
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /leaky tests: the process did not exit 500 ms after the last test/);
    assert.match(r.stderr, /Server \{"address":"127\.0\.0\.1"/);
    const line = JSON.parse(readFileSync(summary, 'utf8').trim()) as { passed: number; failed: number; leaked: boolean };
    assert.deepEqual(line, { tier: 'leaky', passed: 1, failed: 1, pending: 0, leaked: true });
  });
});

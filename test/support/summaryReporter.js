// Mocha reporter: the spec reporter, plus the run's totals appended as one JSON line to the
// file in AIOS_TEST_SUMMARY, so scripts/test.mjs can add up every tier into one closing line.
//
// Mocha runs without --exit, so a test that leaves a server, kernel, database, timer or child
// process alive keeps the process from ending. That is a failure, not something to hide: when the
// process is still alive AIOS_TEST_EXIT_GRACE_MS (default 5000) after the run, this reporter
// prints what is keeping it alive, records the tier as failed and ends the process with code 1.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

const GRACE_MS = Number(process.env.AIOS_TEST_EXIT_GRACE_MS || 5000);

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const s = runner.stats;
      const totals = { tier: process.env.AIOS_TEST_TIER || 'tests', passed: s.passes, failed: s.failures, pending: s.pending };
      let written = false;
      const write = (extra) => {
        if (written) return;
        written = true;
        const file = process.env.AIOS_TEST_SUMMARY;
        if (file) fs.appendFileSync(file, JSON.stringify({ ...totals, ...extra }) + '\n');
      };
      process.once('exit', () => write({}));
      const watchdog = setTimeout(() => {
        const handles = describeHandles();
        console.error(`\n${totals.tier} tests: the process did not exit ${GRACE_MS} ms after the last test: ` +
          `a test leaked a handle (close servers, kernels, databases, timers and child processes in after/afterEach).\n` +
          `Alive: ${process.getActiveResourcesInfo().join(', ')}\n${handles}`);
        write({ failed: totals.failed + 1, leaked: true });
        // mocha sets the exit code from its failure count in its own 'exit' listener; this one runs after it
        process.on('exit', () => { process.exitCode = 1; });
        process.exit(1);
      }, GRACE_MS);
      watchdog.unref();
    });
  }
}

/** One line per live handle, with what identifies it (address, command, fd). */
function describeHandles() {
  const lines = [];
  for (const h of process._getActiveHandles()) {
    const name = h?.constructor?.name ?? typeof h;
    if (h === process.stdout || h === process.stderr || h === process.stdin) continue;
    let detail = '';
    try {
      if (typeof h.address === 'function' && h.address()) detail = JSON.stringify(h.address());
      else if (h.spawnargs) detail = `pid ${h.pid}: ${h.spawnargs.join(' ')}`;
      else if (h.remoteAddress) detail = `${h.remoteAddress}:${h.remotePort}`;
      else if (typeof h._onTimeout === 'function') detail = `timer: ${String(h._onTimeout).slice(0, 120)}`;
      else if (h.fd !== undefined) detail = `fd ${h.fd}`;
    } catch { /* best effort */ }
    lines.push(`  - ${name} ${detail}`);
  }
  return lines.join('\n');
}
module.exports = SummaryReporter;

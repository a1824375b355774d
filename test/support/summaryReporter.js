// Mocha reporter: the spec reporter, plus the run's totals appended as one JSON line to the
// file in AIOS_TEST_SUMMARY, so scripts/test.mjs can add up every tier into one closing line.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.AIOS_TEST_SUMMARY;
      if (!file) return;
      const s = runner.stats;
      const line = { tier: process.env.AIOS_TEST_TIER || 'tests', passed: s.passes, failed: s.failures, pending: s.pending };
      fs.appendFileSync(file, JSON.stringify(line) + '\n');
    });
  }
}
module.exports = SummaryReporter;

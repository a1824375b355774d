'use strict';
// Run with `node test.js` (or `npm test`): prints one line per check and exits 1 on a failure.
const assert = require('node:assert/strict');
const { greet } = require('./src/greet');
const { mean } = require('./src/stats');

let failed = 0;
function check(name, fn) {
  try {
    fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err.message}`);
  }
}

check('greets by name', () => assert.equal(greet('Ada'), 'Hello, Ada!'));
check('mean of 1, 2, 3 is 2', () => assert.equal(mean([1, 2, 3]), 2));
process.exit(failed ? 1 : 0);

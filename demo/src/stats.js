'use strict';

/** The arithmetic mean of a list of numbers. */
function mean(values) {
  // TODO: an empty list divides by zero
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}

module.exports = { mean };

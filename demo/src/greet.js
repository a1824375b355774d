'use strict';

/** Greets someone by name. */
function greet(name) {
  return 'Helo, ' + name + '!';
}

module.exports = { greet };

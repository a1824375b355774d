/** Migration step 2: agent memory tables. Owned by the memory/router work; edit until first release. */
export const MEMORY_SCHEMA = `
  CREATE TABLE memory_placeholder (id INTEGER PRIMARY KEY);
`;

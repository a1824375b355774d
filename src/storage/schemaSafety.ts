/** Migration step 3: safety layer tables. Owned by the safety work; edit until first release. */
export const SAFETY_SCHEMA = `
  CREATE TABLE safety_placeholder (id INTEGER PRIMARY KEY);
`;

/** Counted nouns for user-facing text ("1 agent", "3 agents"), never "agent(s)". Imports nothing. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The figures of one comparison run, all computed from the endpoint's record. */
import type { EndpointCall } from './endpoint';

/** What one way of running achieved. */
export interface RunFigures {
  makespan_s: number;
  calls: number;
  /** requests the endpoint answered with 429 */
  calls_429: number;
  /** tokens of the requests that got a 429 (sent for nothing) */
  wasted_tokens: number;
  /** per call: from when the agent could make it (its previous answer, or the start) to admission, ms */
  wait_p50_ms: number;
  wait_p99_ms: number;
  /** the same for the urgent agents (one in ten) */
  urgent_wait_p50_ms: number;
  urgent_wait_p99_ms: number;
  /** Jain's index over the agents' rates (calls / time to finish); 1 = perfectly even */
  jain_fairness: number;
  /** peak requests sent in any one-second window (429s included) over the limit, minus 1; 0 = never over */
  limit_overshoot: number;
}

export function figures(calls: EndpointCall[], makespanMs: number, requestsPerSecond: number, urgent: (agent: number) => boolean): RunFigures {
  const admitted = calls.filter((c) => !c.refused);
  const refused = calls.filter((c) => c.refused);
  const byAgent = new Map<number, EndpointCall[]>();
  for (const c of admitted) {
    const list = byAgent.get(c.agent) ?? [];
    list.push(c);
    byAgent.set(c.agent, list);
  }
  const waits: number[] = [];
  const urgentWaits: number[] = [];
  const rates: number[] = [];
  for (const [agent, list] of byAgent) {
    list.sort((a, b) => a.index - b.index);
    list.forEach((c, k) => {
      const wait = c.at - (k === 0 ? 0 : list[k - 1]!.doneAt ?? list[k - 1]!.at);
      waits.push(wait);
      if (urgent(agent)) urgentWaits.push(wait);
    });
    const finish = list.at(-1)!.doneAt ?? list.at(-1)!.at;
    rates.push(list.length / Math.max(finish, 1));
  }
  const sum = rates.reduce((a, b) => a + b, 0);
  const jain = (sum * sum) / (rates.length * rates.reduce((a, b) => a + b * b, 0));
  const starts = calls.map((c) => c.at).sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= 1000) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return {
    makespan_s: round(makespanMs / 1000, 2),
    calls: admitted.length,
    calls_429: refused.length,
    wasted_tokens: refused.reduce((n, c) => n + c.tokens, 0),
    wait_p50_ms: round(percentile(waits, 50), 1),
    wait_p99_ms: round(percentile(waits, 99), 1),
    urgent_wait_p50_ms: round(percentile(urgentWaits, 50), 1),
    urgent_wait_p99_ms: round(percentile(urgentWaits, 99), 1),
    jain_fairness: round(jain, 3),
    limit_overshoot: round(Math.max(0, peak / requestsPerSecond - 1), 2),
  };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

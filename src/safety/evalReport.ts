/**
 * What `aios eval` prints: a readable report, or JSON; and the L2 review on a terminal.
 */
import type { KernelEvent } from '../kernel/events';
import type { Evaluation } from './evaluation';
import { reviewText } from './gates';
import type { ImprovementLoop, LoopStore } from './improvementLoop';

/** `aios eval --json`: health, then agents and tasks with their scores and grades. */
export function evaluationJson(ev: Evaluation) {
  return {
    health: ev.health.score,
    healthGrade: ev.health.grade,
    healthComponents: ev.health.components,
    window: { from: ev.health.from, to: ev.health.to },
    agents: ev.agents.map((a) => ({ pid: a.pid, name: a.name, role: a.role, state: a.state, score: a.score, grade: a.grade, steps: a.steps, tokens: a.tokens, dollars: a.dollars, components: a.components })),
    tasks: ev.tasks.map((t) => ({ id: t.taskId, pid: t.pid, outcome: t.outcome, score: t.score, grade: t.grade, steps: t.steps, tokens: t.tokens, dollars: t.dollars, components: t.components })),
  };
}

/** The report for a terminal. */
export function formatEvaluation(ev: Evaluation): string {
  const lines = [`health ${ev.health.score}/100 (${ev.health.grade}) over ${new Date(ev.health.from).toISOString()} – ${new Date(ev.health.to).toISOString()}`];
  for (const c of ev.health.components) lines.push(`  ${c.penalty > 0 ? `−${c.penalty}`.padStart(6) : '     0'}  ${c.label}: ${c.value} ${c.unit}`);
  lines.push('', table(['pid', 'name', 'state', 'score', 'grade', 'steps', 'tokens', 'cost', 'lost points'], ev.agents.map((a) => [
    String(a.pid), a.name, a.state, a.score.toFixed(1), a.grade, String(a.steps), String(a.tokens), `$${a.dollars.toFixed(4)}`, lost(a.components),
  ])));
  if (ev.tasks.length) {
    lines.push('', table(['task', 'pid', 'outcome', 'score', 'grade', 'lost points'], ev.tasks.map((t) => [
      t.taskId, t.pid === null ? '-' : String(t.pid), t.outcome, t.score.toFixed(1), t.grade, lost(t.components),
    ])));
  }
  return lines.join('\n');
}

function lost(components: Evaluation['agents'][number]['components']): string {
  return components.filter((c) => c.penalty > 0).map((c) => `${c.id} −${c.penalty}`).join(', ') || '-';
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return `(no ${head[0] === 'pid' ? 'agents' : 'tasks'})`;
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** The developer's answer on a terminal. */
export type ReviewAnswer = 'approve' | 'reject' | 'skip';

/**
 * L2 on a terminal: proposes and gates (L0, L1), then shows each proposal waiting for review and
 * asks. Returns how many were applied.
 */
export async function reviewOnTerminal(loop: ImprovementLoop, store: Pick<LoopStore, 'proposals' | 'gates'>, ask: (text: string) => Promise<ReviewAnswer>, say: (line: string) => void): Promise<number> {
  say('looking for improvements in the recorded data, then gating them (L0 invariants, L1 scripted replays)…');
  await loop.run();
  const pending = store.proposals(['awaiting_review']);
  for (const p of store.proposals(['rejected_l0', 'rejected_l1']).filter((x) => Date.now() - x.at < 60_000)) say(`rejected by the gates: ${p.summary} (${p.status})`);
  if (pending.length === 0) {
    say('no proposal waits for review');
    return 0;
  }
  let applied = 0;
  for (const p of pending) {
    say(`\n${reviewText(p, store.gates(p.id))}`);
    const answer = await ask('[a]pprove, [r]eject, [s]kip? ');
    if (answer === 'skip') continue;
    const result = loop.decide(p.id, answer);
    say(result.status === 'applied' ? `applied as configuration version ${result.version}` : 'rejected');
    if (result.status === 'applied') applied++;
  }
  return applied;
}

/** A terminal line for the safety events a developer must see (alerts, reactor actions, config changes); null for the rest. */
export function safetyLine(e: KernelEvent): string | null {
  switch (e.type) {
    case 'health.alert': return `⚠ ${e.message}`;
    case 'reactor.fired': return e.notify || e.action === 'throttle' ? `reactor (${e.playbook}): ${e.message}` : null;
    case 'config.applied': return `configuration v${e.version} applied: ${e.summary}`;
    case 'config.rolled_back': return `configuration v${e.version} rolled back to v${e.to}: ${e.reason}`;
    default: return null;
  }
}

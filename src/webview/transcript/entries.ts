/**
 * One transcript entry as DOM. Text from a model or a tool goes in as escaped text nodes (never
 * HTML); long output is capped with a "Show all" that reveals the rest in place.
 */
import { escapeControl, escapeControlKeepLines } from '../../text/displayText';
import type { ToolResultView, TranscriptEntry, WebviewToTranscript } from '../../protocol/transcript';
import { int, OUTPUT_LINES, stateText } from '../../protocol/transcriptFormat';
import { h, type Child } from '../dom';

/** Posts a message to the extension. */
export type Send = (message: WebviewToTranscript) => void;

type ToolEntry = Extract<TranscriptEntry, { kind: 'tool' }>;

const STATE_CLASS: Record<ToolEntry['state'], string> = {
  running: 'pill-info', waiting: 'pill-warn', approved_by_you: 'pill-good', approved_by_rule: 'pill-good', denied: 'pill-bad', failed: 'pill-bad', done: '',
};

/** The element of an entry; `data-id` lets an update replace just this one. */
export function renderEntry(e: TranscriptEntry, send: Send): HTMLElement {
  const el = body(e, send);
  el.dataset.id = e.id;
  el.classList.add('entry', `entry-${e.kind}`);
  return el;
}

function body(e: TranscriptEntry, send: Send): HTMLElement {
  switch (e.kind) {
    case 'task': return h('section', {}, h('div', { class: 'label' }, 'Task'), multiline(e.text));
    case 'model': return h('section', {},
      h('div', { class: 'label' }, `Step ${e.step}`, e.scripted ? h('span', { class: 'pill pill-warn', title: 'Written by the offline scripted model: replayed from a script, not a real model' }, 'scripted') : null,
        e.streaming ? h('span', { class: 'muted' }, ' writing…') : null),
      e.thinking ? h('details', { class: 'thinking' }, h('summary', {}, `Thinking (${int(e.thinking.length)} characters)`), multiline(e.thinking)) : null,
      e.text ? multiline(e.text, 'model-text') : null);
    case 'tool': return toolCard(e, send);
    case 'rejected': return h('div', { class: 'line bad' }, `✗ Rejected ${escapeControl(e.tool)} call: `, escapeControl(e.error));
    case 'paging': return h('div', { class: 'line muted' }, e.direction === 'out'
      ? `Pages ${e.pages.join(', ')} swapped out (${int(e.tokens)} tokens) to keep the context within its window`
      : `Page ${e.pages.join(', ')} recalled (${int(e.tokens)} tokens)`);
    case 'plan': return h('section', {}, h('div', { class: 'label' }, `Plan (${e.status})`),
      h('ul', { class: 'children' }, ...e.children.map((c) => h('li', {},
        c.pid !== null ? link(`agent ${c.pid}`, () => send({ type: 'openAgent', pid: c.pid! })) : h('span', { class: 'muted' }, 'not started'),
        ` ${c.role} [${c.status}]: `, escapeControl(c.task)))));
    case 'message': return h('section', { class: 'you' }, h('div', { class: 'label' }, 'You', e.newTurn ? h('span', { class: 'pill' }, 'new turn') : null,
      e.delivered ? null : h('span', { class: 'pill pill-warn' }, 'queued: delivered when the current step ends')), multiline(e.text));
    case 'question': return h('section', { class: 'question' }, h('div', { class: 'label' }, 'The agent asks you'), multiline(e.text),
      e.answer !== null ? h('div', {}, h('span', { class: 'muted' }, 'Your answer: '), escapeControl(e.answer)) : answerBox(e.questionId, send));
    case 'status': return h('div', { class: `line ${e.state === 'killed' || e.budget ? 'warn' : 'muted'}` }, escapeControl(e.text));
    case 'result': return h('section', { class: e.failed ? 'result failed' : 'result' },
      h('div', { class: 'label' }, e.failed ? '✗ Failed' : '✓ Done', e.scripted ? h('span', { class: 'pill pill-warn' }, 'scripted') : null,
        e.step !== null ? h('span', { class: 'muted' }, `the answer is step ${e.step}'s text above`) : null),
      e.step !== null ? null : multiline(e.text));
  }
}

function toolCard(e: ToolEntry, send: Send): HTMLElement {
  const running = e.durationMs === null && (e.state === 'running' || e.state === 'approved_by_you' || e.state === 'approved_by_rule');
  const head = h('div', { class: 'card-head' },
    h('span', { class: 'tool-name' }, e.tool),
    h('code', { class: 'summary', title: escapeControl(JSON.stringify(e.input)) }, escapeControl(e.summary)),
    h('span', { class: `pill risk-${e.risk}` }, `${e.risk} risk`),
    h('span', { class: `pill ${STATE_CLASS[e.state]}`, 'data-state': e.state }, running && e.state === 'running' ? 'running…' : stateText(e)),
    e.durationMs !== null ? h('span', { class: 'muted' }, duration(e.durationMs)) : null);
  const parts: Child[] = [head];
  if (e.approval) {
    const a = e.approval;
    parts.push(h('div', { class: 'approval' },
      h('button', { type: 'button', class: 'button', 'data-action': 'approve' }, 'Approve'),
      h('button', { type: 'button', class: 'button secondary', 'data-action': 'deny' }, 'Deny'),
      a.rememberable && a.alwaysAllowCovers ? h('button', { type: 'button', class: 'button secondary', 'data-action': 'always', title: `Allows ${a.alwaysAllowCovers}` }, 'Always allow…') : null,
      a.hasDiff ? h('button', { type: 'button', class: 'button secondary', 'data-action': 'diff' }, 'Open diff') : null,
      a.rememberable && a.alwaysAllowCovers ? h('div', { class: 'muted covers' }, `Always allow covers: ${escapeControl(a.alwaysAllowCovers)}`) : null));
  }
  if (e.reason && e.state === 'denied') parts.push(h('div', { class: 'line bad' }, escapeControl(e.reason)));
  if (e.result && !(e.state === 'denied' && e.result.kind === 'text')) parts.push(result(e.result, send));
  const card = h('section', { class: `tool state-${e.state}` }, ...parts);
  card.addEventListener('click', (ev) => {
    const action = (ev.target as HTMLElement).closest<HTMLElement>('[data-action]')?.dataset.action;
    if (!action || !e.approval) return;
    const requestId = e.approval.requestId;
    for (const b of card.querySelectorAll<HTMLButtonElement>('.approval button')) if (action !== 'diff') b.disabled = true;
    if (action === 'approve') send({ type: 'approve', requestId, always: false });
    else if (action === 'always') send({ type: 'approve', requestId, always: true });
    else if (action === 'deny') send({ type: 'deny', requestId });
    else if (action === 'diff') send({ type: 'openDiff', requestId });
  });
  return card;
}

function result(r: ToolResultView, send: Send): HTMLElement {
  switch (r.kind) {
    case 'command': {
      const ok = r.exitCode === 0 && !r.killed;
      return h('div', { class: 'result-body' },
        h('div', { class: ok ? 'good' : 'bad', 'data-testid': 'exit-code' }, `exit code ${r.exitCode ?? 'none'}${r.killed ? ` (stopped: ${r.killed})` : ''}${r.message ? `: ${escapeControl(r.message)}` : ''}`),
        output('stdout', r.stdout, r.outputBytes?.stdout ?? null),
        output('stderr', r.stderr, r.outputBytes?.stderr ?? null),
        r.changed.length ? h('div', {}, h('span', { class: 'muted' }, 'Changed: '), ...r.changed.map((c) => h('span', { class: 'file' },
          link(escapeControl(c.path), () => send({ type: 'openFile', path: c.path })),
          ` (${c.status}${r.applied.includes(c.path) ? ', applied' : r.notApplied.includes(c.path) ? ', not applied' : ''}) `))) : null);
    }
    case 'file': {
      const lines = r.text.split('\n');
      return h('details', { class: 'result-body' }, h('summary', {}, `${int(lines.length)} lines${r.path ? ` of ${escapeControl(r.path)}` : ''}`), pre(r.text));
    }
    case 'applied': return h('div', { class: 'result-body good' }, escapeControl(r.text), ' ',
      ...r.files.map((f) => link(`Open ${escapeControl(f)}`, () => send({ type: 'openFile', path: f }))));
    case 'text': return h('div', { class: `result-body ${r.isError ? 'bad' : ''}` }, capped(r.text));
  }
}

/** Command output: the first lines, with "Show all" for the rest. */
function output(label: string, text: string, totalBytes: number | null): HTMLElement | null {
  if (!text) return null;
  return h('div', { class: 'output' }, h('div', { class: 'muted' }, label, totalBytes !== null ? ` (cut by the sandbox at ${int(text.length)} of ${int(totalBytes)} bytes)` : ''), capped(text));
}

function capped(text: string): HTMLElement {
  const lines = escapeControlKeepLines(text.replace(/\n$/, '')).split('\n');
  if (lines.length <= OUTPUT_LINES) return h('pre', {}, lines.join('\n'));
  const shown = h('pre', {}, lines.slice(0, OUTPUT_LINES).join('\n'));
  const more = h('button', { type: 'button', class: 'link' }, `Show all ${int(lines.length)} lines`);
  more.addEventListener('click', () => {
    shown.textContent = lines.join('\n');
    more.remove();
  });
  return h('div', {}, shown, more);
}

function pre(text: string): HTMLElement {
  return h('pre', {}, escapeControlKeepLines(text));
}

function multiline(text: string, cls = ''): HTMLElement {
  return h('div', { class: `text ${cls}` }, escapeControlKeepLines(text));
}

function link(label: string, onClick: () => void): HTMLElement {
  const a = h('button', { type: 'button', class: 'link' }, label);
  a.addEventListener('click', onClick);
  return a;
}

function answerBox(questionId: string, send: Send): HTMLElement {
  const input = h('textarea', { rows: 2, placeholder: 'Your answer', 'aria-label': 'Your answer' });
  const button = h('button', { type: 'button', class: 'button' }, 'Answer');
  button.addEventListener('click', () => {
    if (!input.value.trim()) return;
    button.disabled = true;
    send({ type: 'answer', questionId, text: input.value });
  });
  return h('div', { class: 'answer' }, input, button);
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

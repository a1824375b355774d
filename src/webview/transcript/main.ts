/**
 * An agent's transcript tab. Says `ready`, renders the whole transcript once (`open`), then
 * applies deltas (`ops`): an update replaces only its entry's element, streamed text is appended
 * as a text node, so a long transcript never re-renders as a whole. Keeps the pid in the webview
 * state, so VS Code restores the tab after a reload.
 */
import type { BudgetName, TranscriptEntry, TranscriptOp, TranscriptStrip, TranscriptToWebview, WebviewToTranscript } from '../../protocol/transcript';
import { escapeControlKeepLines } from '../../text/displayText';
import { h } from '../dom';
import { renderEntry } from './entries';
import { raiseBanner, renderStrip } from './strip';

interface Host {
  postMessage(message: WebviewToTranscript): void;
  setState?(state: unknown): void;
}

declare function acquireVsCodeApi(): Host;

declare global {
  interface Window {
    /** set by the standalone harness (tests, benchmark) instead of acquireVsCodeApi */
    aiosTranscriptHost?: Host;
    /** set after each `open` render: its duration in ms, and after each `ops` batch */
    aiosTranscriptRendered?: { ms: number; entries: number };
    aiosTranscriptOps?: { ms: number; batches: number };
  }
}

const host: Host = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : window.aiosTranscriptHost ?? { postMessage: () => {} };
const app = document.getElementById('app') ?? document.body;
const send = (m: WebviewToTranscript) => host.postMessage(m);

const stripHost = h('div', { class: 'strip-host' });
const list = h('main', { class: 'entries', 'aria-live': 'polite' });
const notice = h('div', { class: 'notice', role: 'status' });
const box = h('textarea', { rows: 2, 'aria-label': 'Message to the agent', placeholder: 'Message the agent' });
const sendButton = h('button', { type: 'button', class: 'button' }, 'Send');
const footer = h('footer', { class: 'composer' }, box, h('div', { class: 'composer-row' }, sendButton, h('span', { class: 'muted hint' }, 'Ctrl+Enter sends')), notice);

/** Entries fetched per "Show earlier" (the tab opens with the newest ones only, so a long transcript opens as fast as a short one). */
const PAGE = 300;
const order: string[] = [];
const data = new Map<string, TranscriptEntry>();
const elements = new Map<string, HTMLElement>();
/** entries of the transcript before the first one here */
let base = 0;
let strip: TranscriptStrip | null = null;
let batches = 0;
const earlier = h('button', { type: 'button', class: 'link earlier' }, '');
earlier.addEventListener('click', () => {
  earlier.disabled = true;
  send({ type: 'earlier', before: base });
});

app.replaceChildren(stripHost, earlier, list, footer);

function submit(): void {
  const text = box.value.trim();
  if (!text) return;
  sendButton.disabled = true;
  send({ type: 'send', text });
}
sendButton.addEventListener('click', submit);
box.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    submit();
  }
});

function nearBottom(): boolean {
  const el = document.scrollingElement ?? document.documentElement;
  return el.scrollHeight - el.scrollTop - el.clientHeight < 80;
}

function setStrip(s: TranscriptStrip): void {
  strip = s;
  stripHost.replaceChildren(renderStrip(s, send));
  box.placeholder = s.canContinue
    ? 'Send a follow-up: the agent takes a new turn with the same context and budgets'
    : s.state === 'killed' ? 'This agent was killed: it cannot take messages' : 'Message the agent: it reads it when its current step ends';
  box.disabled = s.state === 'killed';
  host.setState?.({ pid: s.pid });
  document.title = s.name;
}

function updateEarlier(): void {
  earlier.hidden = base === 0;
  earlier.disabled = false;
  earlier.textContent = `Show ${Math.min(base, PAGE)} earlier of ${base} entries`;
}

function render(entries: TranscriptEntry[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const entry of entries) {
    const el = renderEntry(entry, send);
    elements.set(entry.id, el);
    fragment.append(el);
  }
  return fragment;
}

/** Older entries the extension sent: put above, keeping what is on screen where it is. */
function prepend(from: number, entries: TranscriptEntry[]): void {
  const fresh = entries.filter((e) => !data.has(e.id));
  for (const e of fresh) data.set(e.id, e);
  order.unshift(...fresh.map((e) => e.id));
  const el = document.scrollingElement ?? document.documentElement;
  const before = el.scrollHeight;
  list.prepend(render(fresh));
  base = from;
  updateEarlier();
  el.scrollTop += el.scrollHeight - before;
}

function upsert(entry: TranscriptEntry): void {
  const known = data.has(entry.id);
  data.set(entry.id, entry);
  if (!known) order.push(entry.id);
  const old = elements.get(entry.id);
  const el = renderEntry(entry, send);
  if (old) old.replaceWith(el);
  else list.append(el);
  elements.set(entry.id, el);
}

function append(id: string, text: string): void {
  const entry = data.get(id);
  if (entry?.kind === 'model') entry.text += text;
  const el = elements.get(id);
  if (!el) return;
  let target = el.querySelector('.model-text');
  if (!target) {
    target = h('div', { class: 'text model-text' });
    el.append(target);
  }
  target.append(document.createTextNode(escapeControlKeepLines(text)));
}

function apply(ops: TranscriptOp[]): void {
  const t0 = performance.now();
  const stick = nearBottom();
  for (const op of ops) {
    if (op.op === 'upsert') upsert(op.entry);
    else if (op.op === 'append') append(op.id, op.text);
    else setStrip(op.strip);
  }
  if (stick) window.scrollTo(0, document.body.scrollHeight);
  window.aiosTranscriptOps = { ms: performance.now() - t0, batches: ++batches };
}

function showNotice(level: 'info' | 'error', text: string, raise: BudgetName | null): void {
  notice.className = `notice ${level}`;
  notice.replaceChildren(text);
  if (raise && strip) notice.append(raiseBanner(strip, raise, send, 'and send again'));
}

window.addEventListener('message', (event: MessageEvent<TranscriptToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'open': {
      const t0 = performance.now();
      elements.clear();
      data.clear();
      order.length = 0;
      for (const entry of m.view.entries) {
        order.push(entry.id);
        data.set(entry.id, entry);
      }
      base = m.view.earlier ?? 0;
      list.replaceChildren(render(m.view.entries));
      updateEarlier();
      setStrip(m.view.strip);
      window.scrollTo(0, document.body.scrollHeight);
      window.aiosTranscriptRendered = { ms: performance.now() - t0, entries: m.view.entries.length };
      return;
    }
    case 'earlier':
      prepend(m.from, m.entries);
      return;
    case 'ops':
      apply(m.ops);
      return;
    case 'notice':
      sendButton.disabled = false;
      showNotice(m.level, m.text, m.raise);
      return;
    case 'sent':
      sendButton.disabled = false;
      box.value = '';
      showNotice('info', m.text, null);
      return;
    case 'offline':
      showNotice('error', m.text, null);
      return;
  }
});

send({ type: 'ready' });

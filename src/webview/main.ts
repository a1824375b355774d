/**
 * The evaluator dashboard in the webview. Says `ready`, then renders each `data` message the
 * extension posts (src/protocol/dashboard.ts). Re-renders the charts when the theme changes.
 */
import 'uplot/dist/uPlot.min.css';
import type uPlot from 'uplot';
import type { DashboardData, DashboardToWebview, WebviewToDashboard } from '../protocol/dashboard';
import { laneColors, timelineChart, usageChart } from './charts';
import { clock, h } from './dom';
import { agentsCard, applyWidths, approvalsCard, cacheCard, card, healthCard, proposalsCard, reactorCard, tasksCard } from './panels';
import { plural } from '../text/plural';
import { Throttle } from '../text/throttle';

/** What the page talks to: VS Code's webview API, or a test harness that provides the same call. */
interface Host {
  postMessage(message: WebviewToDashboard): void;
}

declare function acquireVsCodeApi(): Host;

declare global {
  interface Window {
    /** set by the standalone test harness instead of acquireVsCodeApi */
    aiosDashboardHost?: Host;
    /** set once a render finished: its duration in ms (read by tests and the benchmark) */
    aiosDashboardRendered?: { ms: number; at: number };
  }
}

const host: Host = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : window.aiosDashboardHost ?? { postMessage: () => {} };
const app = document.getElementById('app') ?? document.body;
let charts: uPlot[] = [];
let last: DashboardData | null = null;
let notice: string | null = null;

function send(message: WebviewToDashboard): void {
  host.postMessage(message);
}

function render(data: DashboardData): void {
  const t0 = performance.now();
  last = data;
  for (const c of charts) c.destroy();
  charts = [];
  const width = Math.max(320, Math.min(app.clientWidth || window.innerWidth, 1600));
  const half = width >= 960 ? Math.floor((width - 48) / 2) : width - 32;

  const header = h('header', { class: 'top' },
    h('h1', {}, 'AIOS evaluator'),
    data.scripted ? h('span', { class: 'pill pill-warn', 'data-testid': 'scripted-label', title: 'Figures come from runs of the offline scripted model; its output is scripted, not a real model\'s.' }, 'scripted model') : null,
    h('span', { class: 'muted' }, `updated ${clock(data.generatedAt)} · configuration ${data.config.version === null ? 'defaults' : `v${data.config.version}`}`),
    h('button', { class: 'button secondary', type: 'button', id: 'refresh' }, 'Refresh'),
  );
  const spent = data.usage.series.some((s) => s.dollars.some((d) => d > 0));
  const tokensHost = h('div', { class: 'chart' });
  const dollarsHost = h('div', { class: 'chart' });
  const timelineHost = h('div', { class: 'chart' });
  const swatches = Object.entries(laneColors()).map(([kind, color]) => {
    const sw = h('span', { class: 'swatch' });
    sw.style.background = color;
    return h('span', { class: 'legend-item' }, sw, kind.replace('_', ' '));
  });
  const hidden = data.timeline.hiddenLanes ? h('span', { class: 'muted' }, ` · ${plural(data.timeline.hiddenLanes, 'less recently active agent')} not shown`) : null;
  const configLine = `Active configuration ${data.config.version === null ? '(defaults)' : `v${data.config.version}`}: slice ${data.config.sliceSteps} steps, ` +
    `${plural(Object.keys(data.config.roleContextTokens).length, 'role budget')}, ${plural(data.config.approvalRules, 'approval rule')} made by the improvement loop.`;

  const page = h('main', {},
    header,
    notice ? h('div', { class: 'notice', role: 'status' }, notice) : null,
    h('div', { class: 'grid three' }, healthCard(data.health), cacheCard(data.cache), approvalsCard(data.approvals, data.audit)),
    h('div', { class: 'grid two' },
      card('Tokens over time (cumulative, per agent)', 'tokens', data.usage.times.length ? tokensHost : h('p', { class: 'muted' }, 'No model calls yet.')),
      card('Dollars over time (cumulative, per agent)', 'dollars', !data.usage.times.length ? h('p', { class: 'muted' }, 'No model calls yet.')
        : !spent ? h('p', { class: 'muted', 'data-testid': 'no-cost' }, data.scripted ? '$0 so far: the scripted model costs nothing.' : '$0 so far: no call reported a cost.')
        : dollarsHost)),
    card('Scheduler timeline', 'timeline', h('div', { class: 'legend' }, ...swatches, hidden),
      data.timeline.lanes.length ? timelineHost : h('p', { class: 'muted' }, 'No agent ran in this window.')),
    h('div', { class: 'grid tables' }, agentsCard(data), tasksCard(data)),
    h('div', { class: 'grid two' }, reactorCard(data.reactor), proposalsCard(data.proposals, configLine, (id, decision) => send({ type: 'decide', id, decision }))),
  );
  app.replaceChildren(page);
  applyWidths(page);
  page.querySelector('#refresh')?.addEventListener('click', () => send({ type: 'refresh' }));
  const made = [usageChart(tokensHost, data.usage, 'tokens', half - 32), spent ? usageChart(dollarsHost, data.usage, 'dollars', half - 32) : null, timelineChart(timelineHost, data.timeline, width - 64)];
  charts = made.filter((c): c is uPlot => c !== null);
  window.aiosDashboardRendered = { ms: performance.now() - t0, at: Date.now() };
  document.body.dataset.rendered = String(data.generatedAt);
}

// An agent's name opens its transcript.
app.addEventListener('click', (e) => {
  const pid = (e.target as HTMLElement).closest<HTMLElement>('[data-open-agent]')?.dataset.openAgent;
  if (pid) send({ type: 'openAgent', pid: Number(pid) });
});

window.addEventListener('message', (event: MessageEvent<DashboardToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'data':
      render(m.data);
      return;
    case 'error':
      app.replaceChildren(h('div', { class: 'notice error', role: 'alert' }, m.message));
      return;
    case 'decided':
      notice = m.message;
      if (last) render(last);
      return;
  }
});

// Theme switches change the CSS variables the charts were drawn with.
new MutationObserver(() => { if (last) render(last); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
// Charts are sized to the panel: redraw while it is resized, at most every 150 ms, and at the end.
const redraw = new Throttle(() => { if (last) render(last); }, 150, { edge: 'trailing' });
window.addEventListener('resize', () => redraw.trigger());

send({ type: 'ready' });

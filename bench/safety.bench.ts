/**
 * Safety benchmarks:
 * - safety.evaluate_10k: scores 10,000 recorded tasks (and 100 agents, and health) from a real
 *   SQLite file; target ≤ 200 ms per pass.
 * - dashboard.render_ms: the dashboard's first render with 100 agents and 10,000 events:
 *   `dashboardData` on the database, then the webview bundle rendering it in Chromium; target
 *   ≤ 500 ms for the two together.
 * Also exports the standalone dashboard harness (a page on 127.0.0.1 that loads dist/webview.js)
 * that test/e2e/dashboard.test.ts uses.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { KernelEvent } from '../src/kernel/events';
import { emptyUsage, unlimitedBudgets, type AgentRecord } from '../src/kernel/types';
import type { DashboardData } from '../src/protocol/dashboard';
import { Collector } from '../src/safety/collector';
import { dashboardData } from '../src/host/dashboardData';
import { evaluate } from '../src/safety/evaluation';
import { SafetyStore } from '../src/safety/store/safetyStore';
import { SqliteStore } from '../src/storage/sqliteStore';
import { round, summarize, type BenchCase } from './harness';

const ROOT = resolve(__dirname, '..');
const T0 = 1_800_000_000_000;

/** A temp database that `done` removes. */
function tempStore(): { store: SqliteStore; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'aios-safety-bench-'));
  const store = SqliteStore.open(join(dir, 'bench.db'));
  return { store, done: () => { store.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function agent(pid: number, at: number): AgentRecord {
  return {
    pid, name: `agent-${pid}`, role: pid % 3 === 0 ? 'tester' : 'coder', priority: 50, state: 'done', waitReason: null, reason: null, parent: null,
    createdAt: at, updatedAt: at, task: `task of ${pid}`, model: 'scripted:bench.json', budgets: { ...unlimitedBudgets(), steps: 40, tokens: 400_000 },
    usage: emptyUsage(), capabilities: ['fs.read'], context: { tokens: 100_000, high: 0.9, low: 0.7 }, result: null,
  };
}

/**
 * A recorded run as an event log: `agents` agents working through `tasks` tasks (each: queued,
 * dispatched, a model call, a tool call and its result, a policy decision; every 7th asks the
 * developer, every 11th fails a tool, every 50th loops), projected by the real collector.
 */
export function seedRun(store: SqliteStore, agents: number, tasks: number, eventsPerTask = 9): { events: number; now: number } {
  const db = new SafetyStore(store);
  let at = T0;
  let events = 0;
  const emit = (e: KernelEvent) => { store.appendEvent(e, at); events++; };
  store.transaction(() => {
    for (let pid = 1; pid <= agents; pid++) store.putAgent(agent(pid, T0));
    for (let i = 0; i < tasks; i++) {
      const pid = (i % agents) + 1;
      const taskId = `task-b${i}`;
      at += 40;
      store.putTask({ id: taskId, pid, description: `bench task ${i}`, status: 'running', createdAt: at, updatedAt: at, result: null });
      emit({ type: 'task.status', taskId, pid, status: 'running' });
      emit({ type: 'scheduler.dispatch', pid, policy: 'priority', waitedMs: (i * 37) % 900 });
      emit({ type: 'agent.state', pid, from: 'ready', to: 'running', waitReason: null, reason: null });
      emit({ type: 'tool.call', pid, tool: 'read_file', callId: `c${i}`, risk: 'low' });
      emit({ type: 'approval.decided', pid, requestId: '-', decision: 'allow', actor: 'policy', rule: null });
      emit({ type: 'tool.result', pid, tool: 'read_file', callId: `c${i}`, isError: i % 11 === 0, durationMs: 4 });
      if (i % 7 === 0) {
        emit({ type: 'approval.requested', pid, requestId: `${pid}-${i}`, tool: 'edit_file', risk: 'medium', summary: `edit src/f${i % 20}.ts` });
        emit({ type: 'approval.decided', pid, requestId: `${pid}-${i}`, decision: i % 21 === 0 ? 'deny' : 'allow', actor: 'developer', rule: null });
      }
      if (i % 50 === 0) emit({ type: 'agent.loop', pid, tool: 'read_file', repeats: 3 });
      emit({ type: 'agent.step', pid, step: 1, inputTokens: 1200 + (i % 300), outputTokens: 200, cacheReadTokens: 800, cacheWriteTokens: 0, dollars: 0.004, durationMs: 700, scripted: true });
      emit({ type: 'agent.state', pid, from: 'running', to: 'ready', waitReason: null, reason: null });
      for (let k = 9; k < eventsPerTask; k++) emit({ type: 'agent.output', pid, text: `note ${k}`, scripted: true });
      emit({ type: 'task.status', taskId, pid, status: i % 11 === 0 ? 'failed' : 'done' });
    }
  });
  new Collector(db).catchUp();
  return { events, now: at };
}

/** Builds the webview bundle exactly as esbuild.mjs does (IIFE for the browser) into dist/. */
export async function buildWebview(): Promise<void> {
  await esbuild.build({
    entryPoints: [join(ROOT, 'src/webview/main.ts')], outfile: join(ROOT, 'dist/webview.js'), bundle: true, platform: 'browser', format: 'iife',
    target: 'es2022', sourcemap: true, logLevel: 'warning',
  });
}

/** VS Code Light+/Dark+ colours for the variables the dashboard uses (the workbench sets them in VS Code). */
const THEME_CSS = `
body.vscode-light { --vscode-foreground: #3b3b3b; --vscode-descriptionForeground: #717171; --vscode-editor-background: #ffffff;
  --vscode-editorWidget-background: #f8f8f8; --vscode-editorWidget-border: #d4d4d4; --vscode-charts-red: #e51400; --vscode-charts-blue: #1a85ff;
  --vscode-charts-yellow: #bf8803; --vscode-charts-orange: #d18616; --vscode-charts-green: #388a34; --vscode-charts-purple: #652d90;
  --vscode-button-background: #005fb8; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #e5e5e5; --vscode-button-secondaryForeground: #3b3b3b;
  --vscode-list-hoverBackground: #f2f2f2; --vscode-focusBorder: #005fb8; --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-terminal-ansiCyan: #0598bc; --vscode-terminal-ansiMagenta: #bc05bc; --vscode-textBlockQuote-background: #f8f8f8; }
body.vscode-dark { --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-editorWidget-background: #202020; --vscode-editorWidget-border: #454545; --vscode-charts-red: #f14c4c; --vscode-charts-blue: #3794ff;
  --vscode-charts-yellow: #cca700; --vscode-charts-orange: #d18616; --vscode-charts-green: #89d185; --vscode-charts-purple: #b180d7;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
  --vscode-list-hoverBackground: #2a2d2e; --vscode-focusBorder: #0078d4; --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px;
  --vscode-terminal-ansiCyan: #29b8db; --vscode-terminal-ansiMagenta: #d670d6; --vscode-textBlockQuote-background: #2b2b2b; }
`;

/** A standalone page like the panel's (same CSP shape, same bundle and CSS), served on 127.0.0.1. */
export async function startHarness(theme: 'light' | 'dark' = 'light'): Promise<{ url: string; close(): Promise<void> }> {
  const nonce = 'aiosharness';
  const files: Record<string, [string, () => Buffer | string]> = {
    '/webview.js': ['text/javascript', () => readFileSync(join(ROOT, 'dist/webview.js'))],
    '/webview.css': ['text/css', () => readFileSync(join(ROOT, 'dist/webview.css'))],
    '/dashboard.css': ['text/css', () => readFileSync(join(ROOT, 'media/dashboard.css'))],
    '/theme.css': ['text/css', () => THEME_CSS],
    '/host.js': ['text/javascript', () => 'window.aiosSent = []; window.aiosDashboardHost = { postMessage: (m) => window.aiosSent.push(m) };'],
  };
  const page = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'nonce-${nonce}'">
<link rel="stylesheet" href="/theme.css"><link rel="stylesheet" href="/webview.css"><link rel="stylesheet" href="/dashboard.css"><title>AIOS Dashboard</title></head>
<body class="vscode-${theme}"><div id="app"></div><script nonce="${nonce}" src="/host.js"></script><script nonce="${nonce}" src="/webview.js"></script></body></html>`;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = files[path];
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    } else if (path === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (file) {
      res.writeHead(200, { 'content-type': file[0] }).end(file[1]());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export const CHROMIUM = process.env.AIOS_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/** Opens the harness, waits for `ready`, posts `data` as the panel would, and returns the render time the page measured. */
export async function renderDashboard(page: Page, url: string, data: DashboardData): Promise<{ renderMs: number; firstPaintMs: number }> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { aiosSent: Array<{ type: string }> }).aiosSent.some((m) => m.type === 'ready'));
  const t0 = performance.now();
  await page.evaluate((d) => window.postMessage({ type: 'data', data: d }, '*'), data);
  await page.waitForFunction((at) => document.body.dataset.rendered === String(at), data.generatedAt);
  const firstPaintMs = performance.now() - t0;
  const renderMs = await page.evaluate(() => (window as unknown as { aiosDashboardRendered: { ms: number } }).aiosDashboardRendered.ms);
  return { renderMs, firstPaintMs };
}

export const cases: BenchCase[] = [
  {
    name: 'safety.evaluate_10k',
    run: () => {
      const { store, done } = tempStore();
      try {
        const { now } = seedRun(store, 100, 10_000, 9);
        const db = new SafetyStore(store);
        const agents = store.listAgents();
        const samples: number[] = [];
        let scored = 0;
        for (let i = 0; i < 12; i++) {
          const t0 = performance.now();
          const ev = evaluate(db, agents, now);
          samples.push(performance.now() - t0);
          scored = ev.tasks.length;
        }
        const timed = samples.slice(2);
        const sorted = [...timed].sort((a, b) => a - b);
        return summarize('safety.evaluate_10k', timed, scored, {
          tasks: scored, total_ms_p50: round(sorted[Math.floor(sorted.length / 2)], 1), total_ms_max: round(sorted[sorted.length - 1], 1), target_ms: 200,
          pass: sorted[Math.floor(sorted.length / 2)] <= 200,
        });
      } finally {
        done();
      }
    },
  },
  {
    name: 'dashboard.render_ms',
    needs: 'chromium',
    run: async () => {
      const { store, done } = tempStore();
      let harness: Awaited<ReturnType<typeof startHarness>> | undefined;
      let browser: Browser | undefined;
      try {
        await buildWebview();
        harness = await startHarness('dark');
        browser = await launchChromium();
        const { events, now } = seedRun(store, 100, 1000, 10);
        const db = new SafetyStore(store);
        const runs: Array<{ dataMs: number; renderMs: number; firstPaintMs: number }> = [];
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const data = dashboardData({ safety: db, kernel: store }, now);
          const dataMs = performance.now() - t0;
          const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
          const r = await renderDashboard(page, harness.url, data);
          await page.close();
          runs.push({ dataMs, ...r });
        }
        const totals = runs.map((r) => r.dataMs + r.firstPaintMs);
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        return summarize('dashboard.render_ms', totals, 1, {
          agents: 100, events, data_ms: round(median(runs.map((r) => r.dataMs)), 1), render_ms: round(median(runs.map((r) => r.renderMs)), 1),
          first_render_ms: round(median(totals), 1), first_render_cold_ms: round(totals[0], 1), target_ms: 500, pass: median(totals) <= 500,
        });
      } finally {
        await browser?.close();
        await harness?.close();
        done();
      }
    },
  },
];

/** For tests that want a quick look at the harness page. */
export function harnessOutputDir(): string {
  const dir = join(ROOT, '.test-output', 'e2e');
  mkdirSync(dir, { recursive: true });
  return dir;
}

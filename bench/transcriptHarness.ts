/**
 * A standalone page like the transcript tab (same CSP shape, same bundle and CSS), served on
 * 127.0.0.1, and a long-running agent to fill it: the benchmark and tests use both.
 */
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import type { Page } from 'playwright-core';
import { KernelSession } from '../src/session/kernelSession';
import type { Script } from '../src/llm/scriptFile';

const ROOT = join(__dirname, '..');

/** VS Code Dark+ colours for the variables the transcript uses. */
const THEME_CSS = `body { --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-editor-background: #1f1f1f;
  --vscode-editorWidget-background: #252526; --vscode-editorWidget-border: #454545; --vscode-panel-border: #2b2b2b; --vscode-charts-red: #f14c4c;
  --vscode-errorForeground: #f48771; --vscode-editorWarning-foreground: #cca700; --vscode-testing-iconPassed: #73c991; --vscode-textLink-foreground: #3794ff;
  --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff; --vscode-button-secondaryBackground: #313131; --vscode-button-secondaryForeground: #cccccc;
  --vscode-input-background: #313131; --vscode-input-foreground: #cccccc; --vscode-textCodeBlock-background: #2b2b2b; --vscode-progressBar-background: #0078d4;
  --vscode-font-family: system-ui, sans-serif; --vscode-font-size: 13px; --vscode-editor-font-family: monospace; }`;

/** Builds the transcript bundle as esbuild.mjs does. */
export async function buildTranscriptWebview(): Promise<void> {
  await esbuild.build({
    entryPoints: [join(ROOT, 'src/webview/transcript/main.ts')], outfile: join(ROOT, 'dist/transcript.js'), bundle: true, platform: 'browser', format: 'iife',
    target: 'es2022', sourcemap: true, logLevel: 'warning',
  });
}

/** Serves the page; messages the page posts are collected in `window.aiosSent`. */
export async function startTranscriptHarness(): Promise<{ url: string; close(): Promise<void> }> {
  const nonce = 'aiosharness';
  const files: Record<string, [string, () => Buffer | string]> = {
    '/transcript.js': ['text/javascript', () => readFileSync(join(ROOT, 'dist/transcript.js'))],
    '/transcript.css': ['text/css', () => readFileSync(join(ROOT, 'media/transcript.css'))],
    '/theme.css': ['text/css', () => THEME_CSS],
    '/host.js': ['text/javascript', () => 'window.aiosSent = []; window.aiosTranscriptHost = { postMessage: (m) => window.aiosSent.push(m) };'],
  };
  const page = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'nonce-${nonce}'">
<link rel="stylesheet" href="/theme.css"><link rel="stylesheet" href="/transcript.css"><title>AIOS transcript</title></head>
<body><div id="app"></div><script nonce="${nonce}" src="/host.js"></script><script nonce="${nonce}" src="/transcript.js"></script></body></html>`;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = files[path];
    if (path === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    else if (file) res.writeHead(200, { 'content-type': file[0] }).end(file[1]());
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * Delivers a message as the extension would and forces the layout it causes: ms inside the page
 * for the handler, style and layout (no frame wait, so the figure is the work, not the frame rate).
 */
export async function postAndPaint(page: Page, message: unknown): Promise<number> {
  return page.evaluate((m) => {
    const t0 = performance.now();
    window.dispatchEvent(new MessageEvent('message', { data: m }));
    void document.body.getBoundingClientRect().height;
    void document.documentElement.scrollHeight;
    return performance.now() - t0;
  }, message);
}

/** Opens the page and waits for the webview's `ready`. */
export async function openHarness(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { aiosSent: Array<{ type: string }> }).aiosSent.some((m) => m.type === 'ready'));
}

/**
 * Runs one scripted agent for `steps` steps on a real SQLite file (file reads, listings, searches,
 * a failing command-like error) and returns the closed database's path and the agent's pid.
 */
export async function longAgent(steps: number): Promise<{ db: string; pid: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'aios-long-'));
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'notes.md'), Array.from({ length: 40 }, (_, i) => `line ${i}: TODO check item ${i}`).join('\n'));
  const tools = [
    { name: 'read_file', input: { path: 'notes.md' } },
    { name: 'list_dir', input: { path: '.' } },
    { name: 'search_text', input: { query: 'TODO' } },
  ];
  const script: Script = {
    turns: [
      ...Array.from({ length: steps - 1 }, (_, i) => ({
        text: `Step ${i + 1}: looking at the notes again.\nSecond line of what the model says about item ${i}.`,
        tool_calls: [tools[i % tools.length]],
        usage: { input_tokens: 1000 + i, output_tokens: 40, cache_read_input_tokens: 800, cache_creation_input_tokens: 10 },
      })),
      { text: 'All items checked.', usage: { input_tokens: 2000, output_tokens: 10 } },
    ],
  };
  const scriptPath = join(dir, 'long.json');
  writeFileSync(scriptPath, JSON.stringify(script));
  const db = join(dir, 'aios.db');
  const session = KernelSession.open({ dbPath: db, workspace: ws, approvals: { ask: async () => ({ decision: 'approve', remember: null }) }, sandbox: false, controlPollMs: 0, safety: { heartbeat: false, loopIntervalMs: 0 }, runtime: { loopRepeats: 1_000_000 } });
  const pid = session.kernel.spawn({ task: 'check every item of the notes', model: `scripted:${scriptPath}`, context: { tokens: 20_000 } }).pid;
  await session.runtime.idle();
  await session.close();
  return { db, pid };
}

/**
 * The evaluator dashboard end to end, on a standalone harness (the extension's panel is wired by
 * the lead): a real kernel session runs scripted agents (one edits with approvals, one is denied,
 * one loops and is caught by the reactor, one hits a rate limit), `dashboardData` computes the
 * figures, and dist/webview.js renders them in Chromium on 127.0.0.1, in light and dark themes.
 * Screenshots go to .test-output/e2e/. The rendered figures must equal the kernel's.
 */
import { sessionDashboard } from '../../src/host/dashboardData';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { buildWebview, CHROMIUM, harnessOutputDir, launchChromium, renderDashboard, startHarness } from '../../bench/safety.bench';
import { KernelSession } from '../../src/session/kernelSession';
import type { ApprovalAnswer, ApprovalClient, ApprovalRequest } from '../../src/kernel/ports/approvals';
import type { Script } from '../../src/llm/scriptFile';
import type { DashboardData } from '../../src/protocol/dashboard';

/** The developer: approves everything except what agent `deny` asks. */
class Developer implements ApprovalClient {
  constructor(private readonly denyName: string) {}
  async ask(request: ApprovalRequest): Promise<ApprovalAnswer> {
    return request.agentName === this.denyName ? { decision: 'deny', reason: 'not this file' } : { decision: 'approve', remember: null };
  }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');

function scripts(dir: string) {
  const write = (name: string, s: Script) => { const p = join(dir, `${name}.json`); writeFileSync(p, JSON.stringify(s)); return `scripted:${p}`; };
  const usage = (i: number) => ({ input_tokens: 600 + 150 * i, output_tokens: 60 + 10 * i, cache_read_input_tokens: 400 * i, cache_creation_input_tokens: i === 0 ? 500 : 0 });
  const edits: Script = { turns: [
    { text: 'Reading the config.', tool_calls: [{ name: 'read_file', input: { path: 'config.txt' } }], usage: usage(0), latency_ms: 30 },
    ...[0, 1, 2, 3, 4].map((i) => ({ text: `Bumping to v${i + 1}.`, tool_calls: [{ name: 'edit_file', input: { path: 'config.txt', old_text: `v${i}`, new_text: `v${i + 1}` } }], usage: usage(i + 1), latency_ms: 30 })),
    { text: 'Version bumped five times.', usage: usage(6) },
  ] };
  const reader: Script = { turns: [
    { text: 'Listing.', tool_calls: [{ name: 'list_dir', input: {} }], usage: usage(0), latency_ms: 40 },
    { text: 'Searching.', tool_calls: [{ name: 'search_text', input: { query: 'TODO' } }], usage: usage(1), latency_ms: 40 },
    { text: 'There is one TODO, in notes.md.', usage: usage(2) },
  ] };
  const denied: Script = { turns: [
    { text: 'Reading.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }], usage: usage(0), latency_ms: 20 },
    { text: 'Rewriting the notes.', tool_calls: [{ name: 'edit_file', input: { path: 'notes.md', old_text: 'TODO', new_text: 'DONE' } }], usage: usage(1), latency_ms: 20 },
    { text: 'The developer said no; leaving the notes as they are.', usage: usage(2) },
  ] };
  const looping: Script = { turns: Array.from({ length: 6 }, (_, i) => ({ text: 'Checking the notes again.', tool_calls: [{ name: 'read_file', input: { path: 'notes.md' } }], usage: usage(i), latency_ms: 25 })) };
  return { edits: write('edits', edits), reader: write('reader', reader), denied: write('denied', denied), looping: write('looping', looping) };
}

describe('evaluator dashboard in Chromium (standalone harness)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let session: KernelSession;
  let data: DashboardData;
  let harness: { url: string; close(): Promise<void> };

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/ensure-e2e.sh (apt package chromium)`);
      this.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'aios-dash-'));
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    writeFileSync(join(ws, 'config.txt'), 'version = v0\n');
    writeFileSync(join(ws, 'notes.md'), '# Notes\n\nTODO: write the docs\n');
    const model = scripts(dir);
    session = KernelSession.open({
      dbPath: join(dir, 'aios.db'), workspace: ws, approvals: new Developer('denied-1'), sandbox: false, controlPollMs: 0,
      scheduler: { maxConcurrent: 2 }, safety: { heartbeat: { intervalMs: 0 }, loopIntervalMs: 0 },
    });
    session.safety.heartbeat!.beat();
    session.kernel.spawn({ task: 'bump the config version five times', name: 'editor-1', model: model.edits, budgets: { steps: 20, tokens: 60_000 } });
    session.kernel.spawn({ task: 'find the TODOs', name: 'reader-1', role: 'reviewer', model: model.reader, budgets: { steps: 10 } });
    session.kernel.spawn({ task: 'mark the TODO done', name: 'denied-1', model: model.denied, budgets: { steps: 10 } });
    session.kernel.spawn({ task: 'watch the notes', name: 'looper-1', model: model.looping });
    await new Promise((r) => setTimeout(r, 60));
    session.kernel.scheduling.pauseFor(400); // the API said 429: the scheduler pauses, the reactor throttles
    await session.runtime.idle();
    await session.safety.settle();
    session.safety.heartbeat!.beat();
    await session.safety.loop.run();
    session.safety.heartbeat!.beat();
    await session.safety.settle();
    data = sessionDashboard(session);
    await buildWebview();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
    await session?.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`renders the kernel's figures in the ${theme} theme`, async () => {
      await harness?.close();
      harness = await startHarness(theme);
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      const { renderMs } = await renderDashboard(page, harness.url, data);
      await page.screenshot({ path: join(harnessOutputDir(), `dashboard-${theme}.png`), fullPage: true });
      assert.deepEqual(errors, [], 'no script errors and no CSP violations');
      assert.ok(renderMs < 500, `render took ${renderMs} ms`);

      // Health as the evaluator computes it over the same window.
      const ev = session.safety.evaluate(data.generatedAt);
      assert.equal(await page.textContent('[data-testid=health-score]'), String(ev.health.score));

      // Every agent's row against the kernel's process table.
      for (const agent of session.kernel.agents.list()) {
        const row = page.locator(`#agents tr[data-pid="${agent.pid}"]`);
        const score = ev.agents.find((a) => a.pid === agent.pid)!;
        assert.equal(await row.locator('[data-field=tokens]').textContent(), int(agent.usage.inputTokens + agent.usage.outputTokens), `tokens of ${agent.name}`);
        assert.equal(await row.locator('[data-field=steps]').textContent(), String(agent.usage.steps));
        assert.equal(await row.locator('[data-field=dollars]').textContent(), `$${agent.usage.dollars.toFixed(4)}`);
        assert.equal(await row.locator('[data-field=score]').textContent(), score.score.toFixed(1));
        assert.equal(await row.locator('[data-field=grade]').textContent(), score.grade);
      }
      const looper = session.kernel.agents.list().find((a) => a.name === 'looper-1')!;
      assert.equal(looper.state, 'suspended');

      // Approvals against the event log; cache reads against the agents' usage.
      const decided = session.store.queryEvents({ type: 'approval.decided', limit: 1000 }).map((e) => e.event).filter((e) => e.type === 'approval.decided');
      const count = (actor: string, decision: string) => String(decided.filter((e) => e.type === 'approval.decided' && e.actor === actor && e.decision === decision).length);
      assert.equal(await page.textContent('[data-testid=approvals-dev-allow]'), count('developer', 'allow'));
      assert.equal(await page.textContent('[data-testid=approvals-dev-deny]'), count('developer', 'deny'));
      assert.equal(await page.textContent('[data-testid=approvals-policy-allow]'), count('policy', 'allow'));
      const agents = session.kernel.agents.list();
      const cacheRead = agents.reduce((s, a) => s + a.usage.cacheReadTokens, 0);
      const input = agents.reduce((s, a) => s + a.usage.inputTokens, 0);
      assert.equal(await page.textContent('[data-testid=cache-ratio]'), `${Math.round((cacheRead / input) * 1000) / 10}%`);

      // The reactor caught the loop and the rate limit; the scripted model is labelled.
      const playbooks = await page.locator('#reactor li').evaluateAll((els) => els.map((e) => e.getAttribute('data-playbook')));
      assert.ok(playbooks.includes('loop.suspend') && playbooks.includes('rate_limit.throttle'), playbooks.join(', '));
      assert.equal(await page.textContent('[data-testid=scripted-label]'), 'scripted model');

      // Charts and timeline are drawn (uPlot canvases), and the proposal can be answered (L2).
      assert.equal(await page.locator('#tokens canvas').count(), 1);
      assert.equal(await page.locator('#timeline canvas').count(), 1);
      const proposal = page.locator('#proposals li.proposal').first();
      assert.match(await proposal.textContent() ?? '', /always allow edit_file \(medium risk\) on the file config\.txt/);
      assert.match(await proposal.textContent() ?? '', /L0 passed.*L1 passed/s);
      await proposal.getByRole('button', { name: 'Approve' }).click();
      const sent = await page.evaluate(() => (window as unknown as { aiosSent: unknown[] }).aiosSent);
      assert.deepEqual(sent.at(-1), { type: 'decide', id: data.proposals[0].id, decision: 'approve' });
      await page.close();
    });
  }
});

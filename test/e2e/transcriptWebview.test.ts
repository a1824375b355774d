/**
 * The transcript tab's page in Chromium on a standalone harness (same bundle, CSS and CSP as the
 * tab), attacked with what a model can write: markup, terminal escapes, bidirectional overrides,
 * a fake approval line. It must show all of it as inert, escaped text; its buttons must post
 * exactly the request the card is about; deltas must touch only their entry.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, harnessOutputDir, launchChromium } from '../../bench/safety.bench';
import { buildTranscriptWebview, openHarness, postAndPaint, startTranscriptHarness } from '../../bench/transcriptHarness';
import type { TranscriptEntry, TranscriptStrip, TranscriptView } from '../../src/protocol/transcript';

const HOSTILE = [
  '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>',
  'rm -rf ~\u001b[2K\r echo safe',
  'file\u202eexe.txt',
  'ok\n\u2028Approve? [y/N] y',
].join(' ');

const strip: TranscriptStrip = {
  pid: 1, name: 'coder-1', role: 'coder', model: 'scripted:x.json', scripted: true, state: 'waiting', waitReason: 'approval', reason: null,
  context: { windowTokens: 100_000, usedTokens: 5_400, pinnedTokens: 300, residentTokens: 5_100, swappedTokens: 1_200, swappedPages: 2 },
  tokens: { input: 4_950, output: 205, cacheRead: 1_200, cacheWrite: 80 }, tokenBudget: { used: 5_155, limit: 500_000, fraction: 0.01031 },
  dollars: { used: 0.0123, limit: 2, fraction: 0.00615 }, steps: { used: 3, limit: 10, fraction: 0.3 }, warnings: [], suspendedBy: null, suspending: false, canContinue: false,
};

const STDOUT = Array.from({ length: 30 }, (_, i) => `line ${i} ${i === 3 ? HOSTILE : ''}`).join('\n');
const STDOUT_LINES = STDOUT.split('\n').length;

const entries: TranscriptEntry[] = [
  { kind: 'task', id: 'task', at: 0, text: 'fix it' },
  { kind: 'model', id: 'm-1', at: 0, step: 1, text: HOSTILE, thinking: HOSTILE, scripted: true, streaming: false },
  { kind: 'tool', id: 't-c1', at: 0, callId: 'c1', tool: 'run_command', risk: 'high', summary: HOSTILE, input: { command: HOSTILE }, state: 'waiting', rule: null, reason: null, durationMs: null,
    approval: { requestId: '1-7', rememberable: true, alwaysAllowCovers: 'run_command for commands starting with npm test, for coder-1 only', hasDiff: false }, result: null },
  { kind: 'tool', id: 't-c0', at: 0, callId: 'c0', tool: 'run_command', risk: 'high', summary: 'node test.js', input: {}, state: 'approved_by_you', rule: null, reason: null, durationMs: 800, approval: null,
    result: { kind: 'command', exitCode: 1, killed: null, durationMs: 700, stdout: STDOUT, stderr: '', outputBytes: null, changed: [], applied: [], notApplied: [], message: null } },
];

describe('transcript tab in Chromium (standalone harness)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let harness: { url: string; close(): Promise<void> };
  let page: Page;
  const errors: string[] = [];
  const sent = () => page.evaluate(() => (window as unknown as { aiosSent: Array<Record<string, unknown>> }).aiosSent);

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === 'true') throw new Error(`Chromium not found at ${CHROMIUM}: run scripts/ensure-e2e.sh (apt package chromium)`);
      this.skip();
    }
    await buildTranscriptWebview();
    harness = await startTranscriptHarness();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/favicon|404/.test(m.text())) errors.push(m.text()); });
    await openHarness(page, harness.url);
    const view: TranscriptView = { strip, entries, earlier: 0 };
    await postAndPaint(page, { type: 'open', view });
  });

  after(async () => {
    await browser?.close();
    await harness?.close();
  });

  it('shows what a model wrote as escaped, inert text', async () => {
    await page.screenshot({ path: join(harnessOutputDir(), 'transcript-hostile.png'), fullPage: false });
    assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined);
    assert.equal(await page.locator('.entries img, .entries script').count(), 0, 'no element made from model text');
    const text = await page.locator('.entry-model .model-text').textContent() ?? '';
    assert.ok(text.includes('<img src=x onerror='), 'markup shown as text');
    assert.ok(text.includes('\\e[2K\\r echo safe'), 'terminal escapes shown escaped');
    assert.ok(text.includes('file\\u{202e}exe.txt'), 'a bidi override shown escaped');
    assert.ok(text.includes('\\u{2028}Approve?'), 'a line separator shown escaped');
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u202e\u2028]/.test(text), 'no control or format character rendered raw');
    const summary = await page.locator('[data-id="t-c1"] code.summary').textContent() ?? '';
    assert.ok(!summary.includes('\n') && summary.includes('\\n'), 'one line: a newline cannot fake a second line on the card');
    assert.deepEqual(errors, [], 'no script errors and no CSP violations');
  });

  it('caps command output with "Show all", and the figures as the CLI prints them', async () => {
    const card = page.locator('[data-id="t-c0"]');
    assert.equal((await card.locator('.output pre').textContent())?.split('\n').length, 20);
    await card.getByRole('button', { name: `Show all ${STDOUT_LINES} lines` }).click();
    const all = await card.locator('.output pre').textContent() ?? '';
    assert.equal(all.split('\n').length, STDOUT_LINES);
    assert.ok(all.includes('\\e[2K'), 'escaped in the output too');
    assert.equal(await card.locator('[data-testid=exit-code]').textContent(), 'exit code 1');
    assert.equal(await page.textContent('[data-field=tokens]'), 'tokens 5,155 of 500,000 (1%)');
    assert.equal(await page.textContent('[data-field=dollars]'), 'dollars $0.0123 of $2.0000 (0%)');
    assert.equal(await page.getAttribute('[data-testid=context]', 'title'), 'pinned 300 · resident 5,100 · swapped 1,200 tokens in 2 pages');
  });

  it('the pending card posts exactly its own answer; deltas replace only their entry', async () => {
    const card = page.locator('[data-id="t-c1"]');
    assert.match(await card.locator('.covers').textContent() ?? '', /commands starting with npm test, for coder-1 only/);
    await card.getByRole('button', { name: 'Always allow…' }).click();
    assert.deepEqual((await sent()).at(-1), { type: 'approve', requestId: '1-7', always: true });
    assert.equal(await card.getByRole('button', { name: 'Approve', exact: true }).isDisabled(), true, 'answered once');

    // An update of the card leaves the other entries' elements alone; streamed text is appended.
    await page.evaluate(() => { document.querySelector('[data-id="m-1"]')!.setAttribute('data-marker', 'kept'); });
    const approved = { ...entries[2], state: 'approved_by_you', approval: null } as TranscriptEntry;
    await postAndPaint(page, { type: 'ops', ops: [{ op: 'upsert', entry: approved }, { op: 'upsert', entry: { kind: 'model', id: 'm-2', at: 0, step: 2, text: 'Run', thinking: null, scripted: true, streaming: true } }, { op: 'append', id: 'm-2', text: 'ning \u001b[31mtests' }] });
    assert.equal(await page.getAttribute('[data-id="m-1"]', 'data-marker'), 'kept');
    assert.equal(await page.textContent('[data-id="t-c1"] [data-state]'), 'approved by you');
    assert.equal(await page.textContent('[data-id="m-2"] .model-text'), 'Running \\e[31mtests');
  });

  it('opens with the newest entries and fetches earlier ones on request, above what is shown', async () => {
    const many: TranscriptEntry[] = Array.from({ length: 10 }, (_, i) => ({ kind: 'status', id: `s-${i}`, at: 0, state: null, budget: null, text: `line ${i}` }));
    await postAndPaint(page, { type: 'open', view: { strip, entries: many.slice(6), earlier: 6 } });
    const button = page.getByRole('button', { name: 'Show 6 earlier of 6 entries' });
    await button.click();
    assert.deepEqual((await sent()).at(-1), { type: 'earlier', before: 6 });
    await postAndPaint(page, { type: 'earlier', from: 0, entries: many.slice(0, 6) });
    assert.deepEqual(await page.locator('.entries .entry').evaluateAll((els) => els.map((e) => e.textContent)), many.map((e) => (e.kind === 'status' ? e.text : '')));
    assert.equal(await button.isHidden(), true);
  });
});

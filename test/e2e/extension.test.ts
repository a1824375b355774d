// AIOS in real VS Code (code-server) driven through Chromium: the packaged .vsix, the demo
// workspace, the offline scripted model, a real kernel host process and SQLite database.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AIOS_TEST_SETTINGS, copyDemoWorkspace, packageAios, viewRows, waitForKernelHost } from './support/aiosExtension';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { E2E_OUTPUT_DIR } from './support/paths';
import { pollUntil } from './support/poll';
import { requireE2ePrerequisites } from './support/prerequisites';
import { openWorkbench, Workbench } from './support/workbench';
import { SqliteStore } from '../../src/storage/sqliteStore';

/** The extension's database for the one workspace of this run (global storage, one per folder). */
function kernelDatabase(userDataDir: string): string {
  const root = join(userDataDir, 'User', 'globalStorage', 'aios-dev.aios', 'workspaces');
  const found = readdirSync(root).map((d) => join(root, d, 'aios.db'));
  assert.equal(found.length, 1, `one workspace database under ${root}: ${found.join(', ')}`);
  return found[0];
}

const SHOTS = join(E2E_OUTPUT_DIR, 'aios');

describe('AIOS extension in code-server', function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let workspace: string | undefined;
  const timings: Record<string, number> = {};
  const started = Date.now();
  const wb = () => workbench ?? assert.fail('the workbench did not open: see the before-all hook');
  const srv = () => server ?? assert.fail('code-server did not start: see the before-all hook');
  const ws = () => workspace ?? assert.fail('no workspace');
  const file = (rel: string) => readFileSync(join(ws(), rel), 'utf8');

  /** Spawn Agent through the palette, answering each prompt as a developer would. */
  async function spawnFromPalette(task: string, role: string, script: string): Promise<void> {
    await wb().runCommand('AIOS: Spawn Agent');
    await wb().quickInput(task);
    await wb().pickQuickItem(role);
    await wb().quickInput('50');
    await wb().pickQuickItem(`scripted:.aios/scripts/${script}.json`);
    await wb().quickInput('500000');
  }

  /** The Agents view description of `name`, once it matches `pattern`. */
  async function agentRow(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return pollUntil(async () => (await viewRows(wb().page, 'Agents')).find((r) => r.label === name && pattern.test(r.description))?.description, {
      timeoutMs,
      what: `agent ${name} to show ${pattern} in the Agents view`,
    });
  }

  /** Waits for the diff editor of a proposal of `path`, with `text` rendered on its proposed side. */
  async function proposalDiff(path: string, text: string): Promise<void> {
    const tab = wb().page.locator('.tabs-container .tab', { hasText: path });
    await tab.first().waitFor({ state: 'visible' });
    const modified = wb().page.locator('.editor-instance .monaco-diff-editor .editor.modified .view-lines');
    await modified.filter({ hasText: text }).first().waitFor({ state: 'visible' });
  }

  /** Kill asks first (a modal dialog): answer Kill. */
  async function confirmKill(name: string): Promise<void> {
    const dialog = wb().page.locator('.monaco-dialog-box', { hasText: `Kill ${name}?` });
    await dialog.locator('a.monaco-button', { hasText: /^Kill$/ }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  before(async function () {
    requireE2ePrerequisites(this);
    let t = Date.now();
    const lap = (name: string) => ((timings[name] = Date.now() - t), (t = Date.now()));
    const vsix = await packageAios();
    lap('npm run package');
    workspace = copyDemoWorkspace();
    server = await startCodeServer({ workspace, vsix, settings: AIOS_TEST_SETTINGS });
    lap('install vsix + code-server answers');
    workbench = await openWorkbench(server.url, workspace, { screenshotsDir: SHOTS });
    lap('workbench ready');
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !workbench) return;
    const name = `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-')}`;
    console.log(`  screenshot: ${await workbench.screenshot(name).catch((e: Error) => e.message)}`);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
    if (server) {
      timings['whole suite'] = Date.now() - started;
      console.log(`  timings (ms): ${JSON.stringify(timings)}`);
    }
  });

  it('shows the AIOS container with the welcome view and the scripted status', async function () {
    await wb().openViewContainer('AIOS');
    await wb().page.locator('.welcome-view-content', { hasText: 'No agents yet' }).waitFor({ state: 'visible' });
    assert.match(await wb().statusBarText(/running/), /0 running.*scripted/);
    await wb().screenshot('01-welcome');
  });

  it('spawns an agent from the palette; it runs, proposes an edit in a diff editor; Approve changes the file', async function () {
    const before = file('src/greet.js');
    await spawnFromPalette('Fix the greeting typo in src/greet.js', 'coder', 'coder');
    await agentRow('coder-1', /scripted/);
    await proposalDiff('src/greet.js', 'Hello,');
    await agentRow('coder-1', /needs approval/);
    // waiting for the developer is not running
    assert.match(await wb().statusBarText(/pending/), /0 running[\s\S]*1 pending/);
    await wb().page.locator('.notification-toast', { hasText: 'coder-1 asks to edit src/greet.js' }).waitFor({ state: 'visible' });
    await wb().screenshot('02-approval-diff');
    await wb().page.locator('.editor-actions a.action-label[aria-label="Approve"]', { hasText: 'Approve' }).first().click();
    await agentRow('coder-1', /^done/);
    const after = file('src/greet.js');
    assert.notEqual(after, before);
    assert.match(after, /'Hello, ' \+ name/);
    await wb().screenshot('03-approved');
  });

  it('opens a pending request from the Approvals view; Suspend while it waits says "suspending after this step"; Deny in its notification leaves the file unchanged', async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    const before = file('README.md');
    await spawnFromPalette('Add a changelog to the README', 'writer', 'writer');
    await proposalDiff('README.md', 'Changelog');
    await wb().runCommand('View: Close All Editors');
    await wb().page.locator('.monaco-diff-editor').first().waitFor({ state: 'detached' });
    const row = wb().page.locator('.pane-body .monaco-list-row', { hasText: 'edit README.md' }).filter({ hasText: 'writer-2' });
    await row.first().click();
    await proposalDiff('README.md', 'Changelog');
    await agentRow('writer-2', /^needs approval/);
    await wb().screenshot('04-approvals-view');
    // Suspend while it waits: a step is never cut, so it stops after this one, and its row says so until then
    await wb().contextMenu('writer-2', 'Suspend Agent');
    await agentRow('writer-2', /^suspending after this step · needs approval · /);
    await wb().screenshot('04b-suspending-after-this-step');
    const toast = wb().page.locator('.notification-toast', { hasText: 'writer-2 asks to edit README.md' });
    await toast.locator('a.monaco-button', { hasText: /^Deny$/ }).click();
    await agentRow('writer-2', /^suspended · p50/);
    await wb().contextMenu('writer-2', 'Resume Agent');
    await agentRow('writer-2', /^done/);
    await wb().page.locator('.monaco-diff-editor').first().waitFor({ state: 'detached' });
    assert.equal(file('README.md'), before);
  });

  it("shows a live agent's quota in the Memory view and kills it from the Agents context menu", async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    await spawnFromPalette('Think about the project for a long time', 'tester', 'long-task');
    await agentRow('tester-3', /^running/);
    const memory = await pollUntil(async () => (await viewRows(wb().page, 'Memory')).find((r) => r.label === 'tester-3'), { what: 'tester-3 in the Memory view' });
    assert.match(memory.description, /% · .+ \/ 64 MiB · \d+ swapped$/);
    const global = (await viewRows(wb().page, 'Memory')).find((r) => r.label === 'All agents');
    assert.match(global?.description ?? '', /\/ 512 MiB limit$/);
    await wb().screenshot('05-memory');
    await wb().contextMenu('tester-3', 'Kill Agent');
    await confirmKill('tester-3');
    await agentRow('tester-3', /^killed/);
    await wb().screenshot('06-killed');
  });

  it('restarts the kernel host after SIGKILL, tells the developer once, and lists the agents again', async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    await spawnFromPalette('Another long think', 'reviewer', 'long-task');
    await agentRow('reviewer-4', /^running/);
    const extensionsDir = srv().extensionsDir;
    const first = await waitForKernelHost(extensionsDir);
    process.kill(first, 'SIGKILL');
    await wb().page.locator('.notification-toast', { hasText: 'kernel host was killed (SIGKILL)' }).waitFor({ state: 'visible' });
    const second = await waitForKernelHost(extensionsDir, first);
    assert.notEqual(second, first);
    await agentRow('coder-1', /^done/);
    await agentRow('writer-2', /^done/);
    await agentRow('tester-3', /^killed/);
    await agentRow('reviewer-4', /^running/);
    // Told once: the kernel's own crash notice (reactor host_crash.restore) is not repeated here.
    await wb().page.waitForTimeout(1500); // the restored kernel's events arrive within its first coalescing window
    assert.equal(await wb().page.locator('.notification-toast', { hasText: /previous kernel host/ }).count(), 0);
    assert.equal(await wb().page.locator('.notification-toast', { hasText: /kernel host/ }).count(), 1);
    await wb().screenshot('07-after-host-restart');
    // A second crash restarts it again, without a second notification.
    await wb().runCommand('Notifications: Clear All Notifications');
    process.kill(second, 'SIGKILL');
    const third = await waitForKernelHost(extensionsDir, second);
    await agentRow('reviewer-4', /^running/);
    assert.equal(await wb().page.locator('.notification-toast', { hasText: 'kernel host was killed' }).count(), 0);
    assert.notEqual(third, second);
    await wb().contextMenu('reviewer-4', 'Kill Agent');
    await confirmKill('reviewer-4');
    await agentRow('reviewer-4', /^killed/);
  });

  it('routes a task with the kernel router, and asks the developer when the router is unsure', async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    await wb().runCommand('AIOS: Route Task');
    await wb().quickInput('Do a code review of src/stats.js');
    await wb().page.locator('.notification-toast', { hasText: /Task routed to reviewer-5 \(reviewer; exact/ }).waitFor({ state: 'visible' });
    await agentRow('reviewer-5', /^done · p50 · step 3 · scripted$/);
    await wb().runCommand('AIOS: Route Task');
    await wb().quickInput('zzz qqq');
    await wb().page.locator('.quick-input-widget', { hasText: 'no role matches this task' }).waitFor({ state: 'visible' });
    await wb().screenshot('09-route-ask');
    await wb().pickQuickItem('analyst');
    await wb().page.locator('.notification-toast', { hasText: /Task routed to analyst-6 \(analyst; developer/ }).waitFor({ state: 'visible' });
    await agentRow('analyst-6', /^done/);
  });

  it('opens the evaluator dashboard', async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    await wb().runCommand('AIOS: Open Dashboard');
    await wb().page.locator('.tabs-container .tab', { hasText: 'AIOS Dashboard' }).waitFor({ state: 'visible' });
    const frame = wb().page.frameLocator('iframe.webview').frameLocator('iframe');
    await frame.locator('body', { hasText: /analyst-6/ }).waitFor({ state: 'visible' });
    await wb().screenshot('10-dashboard');
    // The figures are the kernel's: every agent's steps and tokens as its database has them.
    const store = SqliteStore.open(kernelDatabase(srv().userDataDir), { readonly: true });
    try {
      const agents = store.listAgents();
      assert.ok(agents.length >= 6);
      for (const a of agents) {
        const row = frame.locator(`#agents tr[data-pid="${a.pid}"]`);
        assert.equal(await row.locator('[data-field=steps]').textContent(), String(a.usage.steps), `steps of ${a.name}`);
        assert.equal(await row.locator('[data-field=tokens]').textContent(), Math.round(a.usage.inputTokens + a.usage.outputTokens).toLocaleString('en-US'), `tokens of ${a.name}`);
      }
    } finally {
      store.close();
    }
    await wb().runCommand('View: Close All Editors');
  });

  it('lists the tools with risk and capabilities, the sandbox status without Docker, and a removable standing rule', async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    await spawnFromPalette('Add a changelog to the README', 'writer', 'writer');
    const toast = wb().page.locator('.notification-toast', { hasText: 'writer-7 asks to edit README.md' });
    // Before the rule is saved, the prompt says exactly what it will cover.
    await toast.filter({ hasText: '"Always Allow for Agent" allows edit_file on exactly README.md' }).waitFor({ state: 'visible' });
    await wb().screenshot('11-always-allow-covers');
    await toast.locator('a.monaco-button', { hasText: /^Always Allow for Agent$/ }).click();
    await agentRow('writer-7', /^done/);
    assert.match(file('README.md'), /## Changelog/);
    // Collapse the other views so Tools has the room (click titles: a header's middle may be an action button).
    for (const view of ['Agents', 'Approvals', 'Memory']) {
      const header = wb().page.locator(`.pane-header[aria-label="${view} Section"]`);
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.locator('h3.title').click();
    }
    const rows = await pollUntil(async () => {
      await wb().treeRows('Tools');
      const r = await viewRows(wb().page, 'Tools');
      return r.some((x) => x.label === 'edit_file') && r.some((x) => x.label === 'edit_file: README.md') ? r : undefined;
    }, { what: 'the Tools view rows' });
    assert.match(rows.find((r) => r.label === 'edit_file')?.description ?? '', /^medium risk · fs\.write/);
    assert.equal(rows.find((r) => r.label === 'Sandbox')?.description, 'off: no Docker engine');
    const rule = rows.find((r) => r.label === 'edit_file: README.md');
    assert.equal(rule?.description, 'allow · for writer-7');
    await wb().page.mouse.move(800, 400); // no hover tooltip in the picture
    await wb().screenshot('08-tools');
    await wb().contextMenu('edit_file: README.md', 'Remove Standing Rule');
    await pollUntil(async () => ((await viewRows(wb().page, 'Tools')).some((r) => r.label === 'None yet') ? true : undefined), { what: 'the rule to go' });
  });

  it('reads well in the light theme', async function () {
    for (const view of ['Agents', 'Approvals', 'Memory']) {
      const header = wb().page.locator(`.pane-header[aria-label="${view} Section"]`);
      if ((await header.getAttribute('aria-expanded')) === 'false') await header.locator('h3.title').click();
    }
    await wb().setTheme('light');
    await wb().page.mouse.move(800, 400);
    await wb().screenshot('11-light-theme');
    await wb().runCommand('AIOS: Open Dashboard');
    const frame = wb().page.frameLocator('iframe.webview').frameLocator('iframe');
    await frame.locator('body', { hasText: /analyst-6/ }).waitFor({ state: 'visible' });
    await wb().screenshot('11-dashboard-light');
    await wb().runCommand('View: Close All Editors');
    await wb().setTheme('dark');
  });

  it('a second window on the folder takes the kernel over and shows the same agents', async function () {
    const first = await waitForKernelHost(srv().extensionsDir);
    const page = await wb().browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      const second = new Workbench(wb().browser, page, SHOTS, 30_000);
      await page.goto(`${srv().url}/?folder=${encodeURIComponent(ws())}`);
      await second.waitReady();
      await second.openViewContainer('AIOS');
      await pollUntil(async () => ((await viewRows(page, 'Agents')).some((r) => r.label === 'writer-7' && r.description.startsWith('done')) ? true : undefined), {
        timeoutMs: 60_000,
        what: 'the agents in the second window',
      });
      const taken = await waitForKernelHost(srv().extensionsDir, first);
      assert.notEqual(taken, first);
      await wb().page.locator('.notification-toast', { hasText: 'stopped from outside' }).waitFor({ state: 'visible' });
      await second.screenshot('12-second-window');
      await wb().screenshot('13-first-window-after-takeover');
    } finally {
      await page.close();
    }
  });
});

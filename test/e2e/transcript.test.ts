// An agent's transcript in real VS Code (code-server) driven through Chromium: the packaged
// .vsix, the demo workspace, the offline scripted model, a real kernel host, SQLite and Docker
// sandbox. Spawn the demo coder, watch its transcript fill live, approve inline, raise its spent
// step budget, send it a follow-up after it finished, see the tester's command output, reload.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { AIOS_TEST_SETTINGS, aiosLog, copyDemoWorkspace, packageAios, viewRows } from './support/aiosExtension';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { E2E_OUTPUT_DIR } from './support/paths';
import { pollUntil } from './support/poll';
import { requireE2ePrerequisites } from './support/prerequisites';
import { openWorkbench, type Workbench } from './support/workbench';
import { requireDocker } from '../support/docker';

const SHOTS = join(E2E_OUTPUT_DIR, 'transcript');

/** The real Docker engine this time (the sandbox image is built by `npm run sandbox:image`), and a 3-step budget. */
const SETTINGS: Record<string, unknown> = Object.fromEntries(Object.entries({ ...AIOS_TEST_SETTINGS, 'aios.budgets.steps': 3 }).filter(([k]) => k !== 'aios.sandbox.dockerHost'));

describe('agent transcripts in code-server', function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let workspace: string | undefined;
  const wb = () => workbench ?? assert.fail('the workbench did not open: see the before-all hook');
  const file = (rel: string) => readFileSync(join(workspace ?? assert.fail('no workspace'), rel), 'utf8');

  /** The visible webview's page (VS Code nests it in two iframes). */
  const tab = (): FrameLocator => wb().page.locator('iframe.webview').filter({ visible: true }).contentFrame().locator('iframe').contentFrame();

  /** The editor tab of an agent's transcript (titled `name (state)`; the diff of its proposal names it too). */
  const transcriptTab = (name: string) => wb().page.locator(`.tabs-container .tab[aria-label^=${JSON.stringify(`${name} (`)}]`).first();

  async function spawnFromPalette(task: string, role: string, script: string): Promise<void> {
    await wb().runCommand('AIOS: Spawn Agent');
    await wb().quickInput(task);
    await wb().pickQuickItem(role);
    await wb().quickInput('50');
    await wb().pickQuickItem(`scripted:.aios/scripts/${script}.json`);
    await wb().quickInput('500000');
  }

  async function agentRow(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return pollUntil(async () => (await viewRows(wb().page, 'Agents')).find((r) => r.label === name && pattern.test(r.description))?.description, {
      timeoutMs,
      what: `agent ${name} to show ${pattern} in the Agents view`,
    });
  }

  /**
   * Opens an agent's transcript by clicking its row in the Agents view. A row re-rendered between
   * the press and the release (the agent stepping) selects without opening, as in any VS Code
   * tree: the developer clicks again, and so does this.
   */
  async function openFromAgentsView(name: string): Promise<void> {
    const row = wb().page.locator('.pane-body .monaco-list-row').filter({ has: wb().page.getByText(name, { exact: true }) }).first();
    await pollUntil(async () => {
      await row.locator('.label-name').click();
      return (await transcriptTab(name).isVisible().catch(() => false)) || (await transcriptTab(name).waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) ? true : undefined;
    }, { timeoutMs: 30_000, what: `the transcript tab of ${name} after clicking its row` });
    await tab().locator('.strip .name', { hasText: name }).waitFor({ state: 'visible' });
  }

  before(async function () {
    requireE2ePrerequisites(this);
    await requireDocker(this);
    const vsix = await packageAios();
    workspace = copyDemoWorkspace();
    server = await startCodeServer({ workspace, vsix, settings: SETTINGS });
    workbench = await openWorkbench(server.url, workspace, { screenshotsDir: SHOTS });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !workbench) return;
    console.log(`  screenshot: ${await workbench.screenshot(`failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-')}`).catch((e: Error) => e.message)}`);
    if (server) console.log(`  AIOS log (errors and warnings):\n${aiosLog(server.userDataDir).split('\n').filter((l) => /\[(error|warning)\]/.test(l)).slice(-15).join('\n')}`);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('shows the coder\'s text and tool cards live; approving inline changes the file and every place', async function () {
    await wb().openViewContainer('AIOS');
    await spawnFromPalette('Fix the greeting typo in src/greet.js', 'coder', 'coder');
    await agentRow('coder-1', /^needs approval/);
    await openFromAgentsView('coder-1');
    // The edit's diff editor still opens (in front of the tab): look at it, then back to the transcript.
    await wb().page.locator('.tabs-container .tab', { hasText: 'greet.js' }).first().waitFor({ state: 'visible' });
    await transcriptTab('coder-1').click();
    const t = tab();
    await t.locator('[data-testid=scripted]').waitFor({ state: 'visible' });
    await t.locator('.entry-model', { hasText: '[scripted] Looking at the project layout.' }).waitFor({ state: 'visible' });
    await t.locator('.entry-tool', { hasText: 'list_dir' }).waitFor({ state: 'visible' });
    await t.locator('.entry-tool', { hasText: 'read_file' }).locator('summary', { hasText: 'src/greet.js' }).waitFor({ state: 'visible' });
    const edit = t.locator('.entry-tool.state-waiting', { hasText: 'edit_file' });
    await edit.waitFor({ state: 'visible' });
    assert.match(await edit.textContent() ?? '', /waiting for you/);
    assert.match(await edit.locator('.covers').textContent() ?? '', /Always allow covers: edit_file on src\/greet\.js, for coder-1 only/);
    await wb().screenshot('01-live-waiting-card');

    await edit.getByRole('button', { name: 'Approve', exact: true }).click();
    await t.locator('.entry-tool.state-approved_by_you', { hasText: 'edit_file' }).waitFor({ state: 'visible' });
    assert.match(file('src/greet.js'), /'Hello, ' \+ name/);
    // Answered here, gone everywhere: the Approvals view and the status bar.
    await pollUntil(async () => ((await viewRows(wb().page, 'Approvals')).length === 0 ? true : undefined), { what: 'the Approvals view to empty' });
    assert.doesNotMatch(await wb().statusBarText(/running|pending|agents?/), /pending/);
    await wb().screenshot('02-approved-inline');
  });

  it('says which budget suspended the coder; "Raise … and resume" lets it finish', async function () {
    const t = tab();
    const banner = t.locator('[data-testid=budget-suspended]');
    await banner.waitFor({ state: 'visible' });
    assert.match(await banner.textContent() ?? '', /The steps budget is spent: 3 of 3 \(100%\)\. Raise it by/);
    assert.equal(await t.locator('[data-testid=state]').textContent(), 'suspended: steps budget');
    await agentRow('coder-1', /^suspended/);
    await wb().screenshot('03-budget-suspended');
    await banner.getByRole('button', { name: 'Raise and resume' }).click();
    await t.locator('.entry-model', { hasText: "Done: greet('Ada') returns 'Hello, Ada!'" }).waitFor({ state: 'visible' });
    await t.locator('.entry-result', { hasText: "the answer is step 4's text above" }).waitFor({ state: 'visible' });
    assert.match(await t.locator('[data-field=steps]').textContent() ?? '', /steps 4 of 8 \(50%\)/);
    await agentRow('coder-1', /^done/);
  });

  it('a follow-up message to the finished coder starts a new turn that continues its conversation', async function () {
    const t = tab();
    await t.locator('textarea[aria-label="Message to the agent"]').fill('Please double-check the greeting once more.');
    await t.getByRole('button', { name: 'Send', exact: true }).click();
    await t.locator('.notice', { hasText: 'takes a new turn' }).waitFor({ state: 'visible' });
    await t.locator('.entry-message', { hasText: 'Please double-check the greeting once more.' }).locator('.pill', { hasText: 'new turn' }).waitFor({ state: 'visible' });
    await t.locator('.entry-model', { hasText: 'Your follow-up: re-reading src/greet.js' }).waitFor({ state: 'visible' });
    await t.locator('.entry-model', { hasText: "Checked: src/greet.js now says 'Hello, ' + name." }).waitFor({ state: 'visible' });
    await t.locator('.entry-result', { hasText: "the answer is step 6's text above" }).waitFor({ state: 'visible' });
    await agentRow('coder-1', /^done · p50 · step 6/);
    await wb().screenshot('04-follow-up-new-turn');
  });

  it('shows the tester\'s command: approved inline, exit code and output', async function () {
    await wb().runCommand('Notifications: Clear All Notifications');
    await spawnFromPalette('Run the tests', 'tester', 'tester');
    await agentRow('tester-2', /scripted/);
    await wb().runCommand('AIOS: Open Agent');
    await wb().pickQuickItem('tester-2');
    const t = tab();
    await t.locator('.strip .name', { hasText: 'tester-2' }).waitFor({ state: 'visible' });
    const run = t.locator('.entry-tool', { hasText: 'run_command' });
    await run.locator('code.summary', { hasText: 'node test.js' }).waitFor({ state: 'visible' });
    const approve = run.getByRole('button', { name: 'Approve', exact: true });
    await approve.waitFor({ state: 'visible', timeout: 60_000 });
    await approve.click();
    await run.locator('[data-testid=exit-code]', { hasText: 'exit code 0' }).waitFor({ state: 'visible', timeout: 120_000 });
    assert.match(await run.locator('.output pre').first().textContent() ?? '', /ok {3}greets by name/);
    await wb().screenshot('05-command-output');
  });

  it('finds the transcripts again after a window reload', async function () {
    await wb().runCommand('Developer: Reload Window');
    await wb().waitReady();
    const t = tab();
    await t.locator('.strip .name').waitFor({ state: 'visible', timeout: 60_000 });
    await t.locator('.entry-tool', { hasText: 'run_command' }).locator('[data-testid=exit-code]').waitFor({ state: 'visible' });
    await transcriptTab('coder-1').click();
    await tab().locator('.entry-model', { hasText: 'Checked: src/greet.js' }).waitFor({ state: 'visible' });
    await wb().screenshot('06-after-reload');
  });
});

// Proves the e2e harness on a throwaway extension: real code-server, real Chromium, real clicks.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { E2E_OUTPUT_DIR, REPO_ROOT } from './support/paths';
import { pollUntil } from './support/poll';
import { requireE2ePrerequisites } from './support/prerequisites';
import { packageVsix } from './support/vsix';
import { openWorkbench, type Workbench } from './support/workbench';

const FIXTURE = join(__dirname, 'fixtures', 'hello-ext');
const RUNTIME_REPORT = join(E2E_OUTPUT_DIR, 'hello-ext-runtime.json');

/** What the fixture writes from inside the extension host (see fixtures/hello-ext/extension.js). */
interface RuntimeReport {
  execPath: string;
  version: string;
  versions: Record<string, string>;
  native?: { ok: boolean; sqliteVersion?: string; error?: string };
}

describe('e2e harness: hello-ext in code-server driven through Chromium', function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let workspace: string | undefined;
  const timings: Record<string, number> = {};
  const started = Date.now();

  // The helpers are read through these so a test fails with a message, not a TypeError.
  const wb = () => workbench ?? assert.fail('the workbench did not open: see the before-all hook');

  before(async function () {
    requireE2ePrerequisites(this);
    let t = Date.now();
    const lap = (name: string) => ((timings[name] = Date.now() - t), (t = Date.now()));
    const vsix = await packageVsix(FIXTURE, join(E2E_OUTPUT_DIR, 'hello-ext.vsix'));
    lap('vsce package');
    workspace = mkdtempSync(join(tmpdir(), 'aios-e2e-ws-'));
    writeFileSync(join(workspace, 'notes.md'), '# e2e workspace\n');
    rmSync(RUNTIME_REPORT, { force: true });
    server = await startCodeServer({
      workspace,
      vsix,
      env: {
        HELLO_EXT_REPORT: RUNTIME_REPORT,
        HELLO_EXT_NATIVE_MODULE: join(REPO_ROOT, 'node_modules', 'better-sqlite3'),
      },
    });
    lap('install vsix + code-server answers HTTP');
    workbench = await openWorkbench(server.url, workspace, { screenshotsDir: E2E_OUTPUT_DIR });
    lap('Chromium + workbench ready');
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !workbench) return;
    const name = `failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-')}`;
    console.log(`  screenshot: ${await workbench.screenshot(name).catch((e: Error) => e.message)}`);
    console.log(`  code-server output (tail):\n${server?.logs().slice(-3000)}`);
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

  it('runs a command from the palette and clicks its notification button', async function () {
    await wb().runCommand('Hello: Say Hi');
    await wb().page.locator('.notification-toast', { hasText: 'Hi from hello-ext!' }).waitFor();
    await wb().screenshot('notification');
    await wb().clickNotificationButton('Wave Back');
    assert.equal(await wb().statusBarText('Hello: waved back'), 'Hello: waved back');
  });

  it('answers an input box opened by a command', async function () {
    await wb().runCommand('Hello: Ask Name');
    await wb().quickInput('Ada');
    assert.equal(await wb().statusBarText('Hello: hi'), 'Hello: hi Ada');
  });

  it('opens the view container and reads the three tree rows', async function () {
    await wb().openViewContainer('Hello Views');
    assert.deepEqual(await wb().treeRows('Hello Items', 3), ['Alpha', 'Beta', 'Gamma']);
  });

  it("runs a tree item's context-menu command", async function () {
    await wb().contextMenu('Beta', 'Greet Item');
    assert.equal(await wb().statusBarText('greeted'), 'Hello: greeted Beta');
  });

  it('takes screenshots in the light and the dark theme', async function () {
    const shots: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      await wb().setTheme(theme);
      shots.push(await wb().screenshot(`workbench-${theme}`));
    }
    for (const shot of shots) assert.ok(statSync(shot).size > 10_000, `${shot} looks empty`);
    assert.notEqual(readFileSync(shots[0]!).toString('base64'), readFileSync(shots[1]!).toString('base64'));
  });

  it("runs the extension host on the tests' Node, where better-sqlite3 built for it loads", async function () {
    const report = await pollUntil(
      () => (existsSync(RUNTIME_REPORT) ? (JSON.parse(readFileSync(RUNTIME_REPORT, 'utf8')) as RuntimeReport) : undefined),
      { what: `the fixture to write ${RUNTIME_REPORT}` },
    );
    console.log(`  extension host: ${report.execPath} ${report.version} (ABI ${report.versions.modules}, electron ${report.versions.electron ?? 'none'})`);
    assert.equal(report.version, process.version);
    assert.equal(report.versions.modules, process.versions.modules);
    assert.equal(report.versions.electron, undefined);
    assert.deepEqual(report.native && { ok: report.native.ok, error: report.native.error }, { ok: true, error: undefined });
  });
});

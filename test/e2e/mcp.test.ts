// The developer's MCP server from .vscode/mcp.json in real VS Code (code-server) through Chromium:
// it shows in the Tools view, starts only after its command line is approved in a modal, and an
// agent (offline scripted model) calls one of its tools after the developer approves the call.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIOS_TEST_SETTINGS, copyDemoWorkspace, packageAios, viewRows } from './support/aiosExtension';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { E2E_OUTPUT_DIR, REPO_ROOT } from './support/paths';
import { pollUntil } from './support/poll';
import { requireE2ePrerequisites } from './support/prerequisites';
import { openWorkbench, type Workbench } from './support/workbench';

const SHOTS = join(E2E_OUTPUT_DIR, 'mcp');
const FILESYSTEM_SERVER = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');

describe('MCP servers from .vscode/mcp.json in code-server', function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let workspace: string | undefined;
  let data: string | undefined;
  const wb = () => workbench ?? assert.fail('the workbench did not open: see the before-all hook');

  const toolsRows = async (match: (rows: { label: string; description: string }[]) => boolean, what: string) => pollUntil(async () => {
    await wb().treeRows('Tools');
    const rows = await viewRows(wb().page, 'Tools');
    return match(rows) ? rows : undefined;
  }, { what, timeoutMs: 60_000 });

  before(async function () {
    requireE2ePrerequisites(this);
    const vsix = await packageAios();
    workspace = copyDemoWorkspace();
    data = mkdtempSync(join(tmpdir(), 'aios-e2e-mcp-data-'));
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    writeFileSync(join(workspace, '.vscode', 'mcp.json'), JSON.stringify({
      servers: { files: { type: 'stdio', command: process.execPath, args: [FILESYSTEM_SERVER, data] } },
    }, null, 2));
    writeFileSync(join(workspace, '.aios', 'scripts', 'mcp.json'), JSON.stringify({ turns: [
      { text: '[scripted] Which folders may I use?', tool_calls: [{ name: 'files__list_allowed_directories', input: {} }] },
      { text: '[scripted] Writing the note.', tool_calls: [{ name: 'files__write_file', input: { path: join(data, 'note.txt'), content: 'written through MCP\n' } }] },
      { text: '[scripted] Wrote the note through the files server.' },
    ] }));
    server = await startCodeServer({ workspace, vsix, settings: AIOS_TEST_SETTINGS });
    workbench = await openWorkbench(server.url, workspace, { screenshotsDir: SHOTS });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !workbench) return;
    console.log(`  screenshot: ${await workbench.screenshot(`failed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-')}`).catch((e: Error) => e.message)}`);
  });

  after(async function () {
    await workbench?.close();
    await server?.stop();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
    if (data) rmSync(data, { recursive: true, force: true });
  });

  it('shows the server in the Tools view, asks to start it, and an agent calls its tool once the developer approves', async function () {
    await wb().openViewContainer('AIOS');
    for (const view of ['Approvals', 'Memory']) {
      const header = wb().page.locator(`.pane-header[aria-label="${view} Section"]`);
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.locator('h3.title').click();
    }
    const tools = wb().page.locator('.pane-header[aria-label="Tools Section"]');
    if ((await tools.getAttribute('aria-expanded')) !== 'true') await tools.locator('h3.title').click();
    const idle = await toolsRows((r) => r.some((x) => x.label === 'files'), 'the files server in the Tools view');
    assert.equal(idle.find((x) => x.label === 'files')?.description, 'starts when an agent needs it');
    assert.equal(idle.find((x) => x.label === 'MCP servers')?.description, '1');
    await wb().page.mouse.move(800, 400);
    await wb().screenshot('01-configured');

    await wb().runCommand('AIOS: Spawn Agent');
    await wb().quickInput('Write a note through the files MCP server');
    await wb().pickQuickItem('coder');
    await wb().quickInput('50');
    await wb().pickQuickItem('scripted:.aios/scripts/mcp.json');
    await wb().quickInput('500000');

    const dialog = wb().page.locator('.monaco-dialog-box', { hasText: "Start the MCP server 'files'" });
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await dialog.innerText(), /server-filesystem\/dist\/index\.js/);
    await wb().screenshot('02-start-server');
    await dialog.locator('a.monaco-button', { hasText: /^Start Server$/ }).click();

    const toast = wb().page.locator('.notification-toast', { hasText: 'write_file on MCP server files' });
    await toast.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await toast.innerText(), /high risk/);
    await wb().screenshot('03-approve-call');
    await toast.locator('a.monaco-button', { hasText: /^Approve$/ }).click();

    await pollUntil(async () => ((await viewRows(wb().page, 'Agents')).find((r) => r.label === 'coder-1' && /^done/.test(r.description)) ? true : undefined), { what: 'coder-1 to finish', timeoutMs: 60_000 });
    assert.equal(readFileSync(join(data!, 'note.txt'), 'utf8'), 'written through MCP\n');
    await toolsRows((r) => /^ready · 14 tools$/.test(r.find((x) => x.label === 'files')?.description ?? ''), 'the files server to be ready');
    // its tools are listed under it: give the Tools view the room and open the server's row
    const agents = wb().page.locator('.pane-header[aria-label="Agents Section"]');
    if ((await agents.getAttribute('aria-expanded')) === 'true') await agents.locator('h3.title').click();
    await wb().page.locator('.pane-body .monaco-list-row', { hasText: 'ready · 14 tools' }).first().click();
    const ready = await toolsRows((r) => r.some((x) => x.label === 'files__write_file'), 'the files server\'s tools under it');
    assert.match(ready.find((x) => x.label === 'files__write_file')?.description ?? '', /^high risk · no capabilities/);
    assert.match(ready.find((x) => x.label === 'files__read_text_file')?.description ?? '', /^low risk/);
    const at = (label: string) => ready.findIndex((x) => x.label === label);
    assert.ok(at('files') < at('files__write_file') && at('files__write_file') < at('Tools'), 'the server\'s tools are listed under it, before AIOS\'s own Tools group');
    await wb().page.mouse.move(800, 400);
    await wb().screenshot('04-ready');
  });
});

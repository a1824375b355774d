// Picking a model from the palette in real VS Code (code-server in Chromium): the Spawn picker
// groups the configured models by provider, and an agent spawned on a named OpenAI-compatible
// endpoint (aios.endpoints, served by the local Chat Completions server on loopback) runs to the end.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { AIOS_TEST_SETTINGS, copyDemoWorkspace, packageAios, viewRows } from './support/aiosExtension';
import { startCodeServer, type CodeServer } from './support/codeServer';
import { E2E_OUTPUT_DIR } from './support/paths';
import { pollUntil } from './support/poll';
import { requireE2ePrerequisites } from './support/prerequisites';
import { openWorkbench, type Workbench } from './support/workbench';
import { startOpenAiServer, type OpenAiServer } from '../support/openaiServer';

const SHOTS = join(E2E_OUTPUT_DIR, 'models');

describe('models in code-server: the Spawn picker and an OpenAI-compatible endpoint', function () {
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  let endpoint: OpenAiServer | undefined;
  let workspace: string | undefined;
  const wb = () => workbench ?? assert.fail('the workbench did not open: see the before-all hook');

  before(async function () {
    requireE2ePrerequisites(this);
    // a tool call first (read README.md), then the answer once the tool result is back
    endpoint = await startOpenAiServer({
      turns: (r) => {
        const messages = (r.body?.['messages'] ?? []) as Array<{ role: string }>;
        return messages.some((m) => m.role === 'tool')
          ? { text: 'The README describes the greeter demo.', promptTokens: 1200, completionTokens: 12 }
          : { text: 'Reading the README.', toolCalls: [{ name: 'read_file', input: { path: 'README.md' } }], promptTokens: 1000, completionTokens: 20 };
      },
    });
    const vsix = await packageAios();
    workspace = copyDemoWorkspace();
    server = await startCodeServer({
      workspace, vsix,
      settings: { ...AIOS_TEST_SETTINGS, 'aios.endpoints': { work: { baseUrl: endpoint.url, apiKey: 'none', models: ['qwen3-coder'], input: 0.1, output: 0.2, contextWindow: 32000 } } },
    });
    workbench = await openWorkbench(server.url, workspace, { screenshotsDir: SHOTS });
  });

  after(async () => {
    await workbench?.close();
    await server?.stop();
    await endpoint?.close();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('lists models by provider with prices, and runs an agent on the endpoint picked there', async function () {
    await wb().openViewContainer('AIOS');
    await wb().runCommand('AIOS: Spawn Agent');
    await wb().quickInput('Say what the README is about');
    await wb().pickQuickItem('reviewer');
    await wb().quickInput('50');
    const page = wb().page;
    const list = page.locator('.quick-input-widget .quick-input-list');
    await list.filter({ hasText: 'Anthropic (Claude)' }).waitFor({ state: 'visible' });
    await wb().screenshot('01-model-picker');
    assert.match(await list.innerText(), /claude-sonnet-4-5[\s\S]*\$3 \/ \$15 per M tokens/);
    await page.locator('.quick-input-widget .quick-input-box input').fill('work');
    const work = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'work:qwen3-coder' }).first();
    await work.waitFor({ state: 'visible' });
    await wb().screenshot('02-model-picker-endpoint');
    assert.match(await work.innerText(), /\$0\.1 \/ \$0\.2 per M tokens · 32k window/);
    await wb().pickQuickItem('work:qwen3-coder');
    await wb().quickInput('500000');
    const row = await pollUntil(async () => (await viewRows(page, 'Agents')).find((r) => r.label === 'reviewer-1' && /^done/.test(r.description)), { timeoutMs: 60_000, what: 'reviewer-1 to finish on the endpoint' });
    await wb().screenshot('03-agent-done-on-endpoint');
    assert.ok(!/scripted/.test(row.description), row.description);
    assert.equal(endpoint!.requests.length, 2);
    assert.equal(endpoint!.requests[0]!.body!['model'], 'qwen3-coder');
  });
});

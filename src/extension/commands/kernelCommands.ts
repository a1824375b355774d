/** Set / Remove API Key, Show Log, Build Sandbox Image, Refresh Views, Restart Kernel Host, Show Approvals. */
import * as vscode from 'vscode';
import { guardedCommand } from './guardedCommand';
import { toHost } from '../../protocol/hostMethods';
import { Commands } from '../commandIds';
import { apiKeySecret, GATEWAY_HEADERS_SECRET, keyProviders, readGatewayHeaders } from '../credentials';
import type { AiosSettings } from '../settingsModel';
import type { HostSupervisor } from '../hostSupervisor';
import type { KernelState } from '../kernelState';
import { requireHost } from './agentCommands';

/** Where sandbox image build lines go while a build runs. */
export interface ImageBuildProgress {
  report: ((line: string) => void) | null;
}

export interface KernelCommandDeps {
  supervisor: HostSupervisor;
  state: KernelState;
  secrets: vscode.SecretStorage;
  log: vscode.LogOutputChannel;
  imageProgress: ImageBuildProgress;
  settings: () => AiosSettings;
}

const GATEWAY_HEADER = 'Anthropic gateway header…';

/** Asks which provider, then its key (or a secret gateway header), stores it in SecretStorage, restarts the host. */
async function setApiKey(deps: KernelCommandDeps): Promise<void> {
  const providers = keyProviders(deps.settings().models);
  const items = [
    ...providers.map((p) => ({ label: p.label, description: p.detail, provider: p })),
    { label: GATEWAY_HEADER, description: 'a secret header (token) a company gateway in aios.anthropic.baseUrl needs', provider: null },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'AIOS: Set API Key', placeHolder: 'Which provider is the key for?', ignoreFocusOut: true });
  if (!picked) return;
  if (!picked.provider) return setGatewayHeader(deps);
  const p = picked.provider;
  const key = await vscode.window.showInputBox({
    title: `AIOS: Set API Key: ${p.label}`,
    prompt: `${p.label} API key. It is kept in VS Code SecretStorage, never in settings or logs.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: p.validate,
  });
  if (key === undefined) return;
  await storeKey(deps, p.provider, p.label, key);
}

async function storeKey(deps: KernelCommandDeps, provider: string, label: string, key: string): Promise<void> {
  if (key.trim().length < 8) throw new Error(`that does not look like a ${label} API key; the key was not saved`);
  await deps.secrets.store(apiKeySecret(provider), key.trim());
  deps.log.info(`${label} API key stored in SecretStorage; restarting the kernel host so new agents can use it`);
  await deps.supervisor.restart('a new API key');
  void vscode.window.showInformationMessage(`AIOS: ${label} API key saved.`);
}

async function setGatewayHeader(deps: KernelCommandDeps): Promise<void> {
  const title = 'AIOS: Set API Key: Anthropic gateway header';
  const name = await vscode.window.showInputBox({ title, prompt: 'Header name, e.g. x-gateway-token or Authorization', ignoreFocusOut: true, validateInput: (v) => (/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(v.trim()) ? null : 'A header name: letters, digits and - (no spaces)') });
  if (name === undefined) return;
  const value = await vscode.window.showInputBox({ title, prompt: `Value of ${name.trim()}. Kept in SecretStorage, sent only to the Anthropic base URL.`, password: true, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? null : 'Give the value') });
  if (value === undefined) return;
  const headers = await readGatewayHeaders(deps.secrets);
  headers[name.trim()] = value.trim();
  await deps.secrets.store(GATEWAY_HEADERS_SECRET, JSON.stringify(headers));
  deps.log.info(`gateway header ${name.trim()} stored in SecretStorage; restarting the kernel host`);
  await deps.supervisor.restart('a new gateway header');
  void vscode.window.showInformationMessage(`AIOS: gateway header ${name.trim()} saved.`);
}

/** Asks which stored key (or all gateway headers) to remove. */
async function removeApiKey(deps: KernelCommandDeps, only?: string): Promise<void> {
  const stored: Array<{ label: string; secret: string }> = [];
  for (const p of keyProviders(deps.settings().models)) {
    if ((only === undefined || p.provider === only) && await deps.secrets.get(apiKeySecret(p.provider))) stored.push({ label: p.label, secret: apiKeySecret(p.provider) });
  }
  const headers = only === undefined ? Object.keys(await readGatewayHeaders(deps.secrets)) : [];
  if (headers.length) stored.push({ label: `Anthropic gateway headers (${headers.join(', ')})`, secret: GATEWAY_HEADERS_SECRET });
  if (stored.length === 0) {
    void vscode.window.showInformationMessage('AIOS: no API key is stored.');
    return;
  }
  const picked = only !== undefined ? stored[0] : await vscode.window.showQuickPick(stored, { title: 'AIOS: Remove API Key', placeHolder: 'Which key?' });
  if (!picked) return;
  await deps.secrets.delete(picked.secret);
  deps.log.info(`${picked.label} removed from SecretStorage`);
  await deps.supervisor.restart('an API key was removed');
  void vscode.window.showInformationMessage(`AIOS: ${picked.label} removed.`);
}

export function registerKernelCommands(deps: KernelCommandDeps): vscode.Disposable[] {
  const guard = (id: string, fn: (...args: unknown[]) => Promise<void>) => guardedCommand(deps.log, id, fn);
  return [
    // A key passed as the argument (a keybinding, a test) is stored for Anthropic without the prompts.
    guard(Commands.setApiKey, (arg) => (typeof arg === 'string' ? storeKey(deps, 'anthropic', 'Anthropic', arg) : setApiKey(deps))),
    // A provider id as the argument removes that provider's key without the picker.
    guard(Commands.removeApiKey, (arg) => removeApiKey(deps, typeof arg === 'string' ? arg : undefined)),
    guard(Commands.showLog, async () => deps.log.show()),
    guard(Commands.refresh, async () => deps.state.refresh(true)),
    guard(Commands.restartKernel, async () => deps.supervisor.restart('asked by the developer')),
    guard(Commands.showApprovals, async () => {
      await vscode.commands.executeCommand('aios.approvals.focus');
    }),
    guard(Commands.buildSandboxImage, async () => {
      const host = await requireHost(deps.supervisor);
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'AIOS: building the sandbox image', cancellable: false },
        async (progress) => {
          deps.imageProgress.report = (line) => progress.report({ message: line });
          try {
            return await host.connection.sendRequest(toHost.buildSandboxImage, { force: false });
          } finally {
            deps.imageProgress.report = null;
          }
        },
      );
      void vscode.window.showInformationMessage(result.built ? `AIOS: sandbox image ${result.image} built in ${(result.ms / 1000).toFixed(1)} s.` : `AIOS: sandbox image ${result.image} is up to date.`);
      deps.state.refresh();
    }),
  ];
}

/** Set / Remove API Key, Show Log, Build Sandbox Image, Refresh Views, Restart Kernel Host, Show Approvals. */
import * as vscode from 'vscode';
import { guardedCommand } from './guardedCommand';
import { toHost } from '../../protocol/hostMethods';
import { API_KEY_SECRET, Commands } from '../commandIds';
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
}

export function registerKernelCommands(deps: KernelCommandDeps): vscode.Disposable[] {
  const guard = (id: string, fn: (...args: unknown[]) => Promise<void>) => guardedCommand(deps.log, id, fn);
  const checkKey = (v: string) => (v.trim().length < 20 ? 'That does not look like an API key (Anthropic keys start with sk-ant-)' : null);
  return [
    // A key passed as the argument (a keybinding, a test) is stored without the prompt.
    guard(Commands.setApiKey, async (arg) => {
      const key = typeof arg === 'string' ? arg : await vscode.window.showInputBox({
        title: 'AIOS: Set API Key',
        prompt: 'Anthropic API key. It is kept in VS Code SecretStorage, never in settings or logs.',
        password: true,
        ignoreFocusOut: true,
        validateInput: checkKey,
      });
      if (key === undefined) return;
      const problem = checkKey(key);
      if (problem) throw new Error(`${problem}; the key was not saved`);
      await deps.secrets.store(API_KEY_SECRET, key.trim());
      deps.log.info('API key stored in SecretStorage; restarting the kernel host so new agents can use Claude');
      await deps.supervisor.restart('a new API key');
      void vscode.window.showInformationMessage('AIOS: API key saved. New agents use Claude unless you choose a scripted model.');
    }),
    guard(Commands.removeApiKey, async () => {
      await deps.secrets.delete(API_KEY_SECRET);
      deps.log.info('API key removed from SecretStorage');
      await deps.supervisor.restart('the API key was removed');
      void vscode.window.showInformationMessage('AIOS: API key removed. New agents use the offline scripted model.');
    }),
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

import * as vscode from 'vscode';

/**
 * Registers a command whose failure is logged and shown to the developer once, in words,
 * instead of surfacing as an unhandled rejection.
 */
export function guardedCommand(log: vscode.LogOutputChannel, id: string, fn: (...args: unknown[]) => Promise<void>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      await fn(...args);
    } catch (err) {
      log.error(`${id}: ${(err as Error).message}`);
      void vscode.window.showErrorMessage(`AIOS: ${(err as Error).message}`);
    }
  });
}

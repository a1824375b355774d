/**
 * The kernel host's side of the vscode.lm bridge: one `lmChat` request per model call, its
 * streamed text arriving as `lmText` notifications, cancelled (JSON-RPC $/cancelRequest) when the
 * agent is killed.
 */
import { randomUUID } from 'node:crypto';
import { CancellationTokenSource, type Disposable, type MessageConnection } from 'vscode-jsonrpc';
import { abortError } from '../llm/abort';
import type { LmBridge } from '../llm/vscodeLm';
import { toExtensionModels, toHostModels, type LmChatParams, type LmChatResult } from '../protocol/modelMethods';

/** Serves LmBridge over `connection`. */
export class LmBridgeClient implements LmBridge {
  private readonly listeners = new Map<string, (text: string) => void>();
  private readonly subscription: Disposable;

  constructor(private readonly connection: MessageConnection) {
    this.subscription = connection.onNotification(toHostModels.lmText, ({ requestId, text }) => this.listeners.get(requestId)?.(text));
  }

  async chat(params: Omit<LmChatParams, 'requestId'>, onText: (delta: string) => void, signal?: AbortSignal): Promise<LmChatResult> {
    if (signal?.aborted) throw abortError();
    const requestId = randomUUID();
    const cancel = new CancellationTokenSource();
    const onAbort = () => cancel.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.listeners.set(requestId, onText);
    try {
      return await this.connection.sendRequest(toExtensionModels.lmChat, { ...params, requestId }, cancel.token);
    } catch (error) {
      if (signal?.aborted) throw abortError();
      throw error instanceof Error ? new Error(`VS Code language model ${params.vendor}/${params.family}: ${error.message}`) : error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      this.listeners.delete(requestId);
      cancel.dispose();
    }
  }

  dispose(): void {
    this.subscription.dispose();
    this.listeners.clear();
  }
}

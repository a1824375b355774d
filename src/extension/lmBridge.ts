/**
 * The extension's side of the vscode.lm bridge: the kernel host asks for the editor's chat models
 * and sends chat requests with tools; the text streams back as `lmText` notifications.
 * Feature-detected: VS Code before 1.90 has no vscode.lm, before 1.95 its models take no tools,
 * and either way the answer says why the models are unavailable.
 * vscode.lm reports no usage: tokens are counted with the model's countTokens.
 */
import * as vscode from 'vscode';
import { ResponseError, type Disposable as RpcDisposable, type MessageConnection, type CancellationToken as RpcToken } from 'vscode-jsonrpc';
import { toExtensionModels, toHostModels, type LmChatParams, type LmChatResult, type LmModelList, type LmPart } from '../protocol/modelMethods';

/** The parts of the vscode.lm API newer than this extension's minimum engine (1.90), looked up at run time. */
interface ToolCapableApi {
  LanguageModelTextPart: new (value: string) => { value: string };
  LanguageModelToolCallPart: new (callId: string, name: string, input: object) => { callId: string; name: string; input: object };
  LanguageModelToolResultPart: new (callId: string, content: unknown[]) => unknown;
}

/** Error code the host sees when no model matches or the editor cannot serve it. */
const LM_UNAVAILABLE = -32060;

/** Why this editor cannot serve AIOS agents with its language models, or null when it can. */
export function lmUnavailableReason(): string | null {
  const api = vscode as unknown as Partial<ToolCapableApi> & { lm?: { selectChatModels?: unknown } };
  if (typeof api.lm?.selectChatModels !== 'function') return `this editor (VS Code ${vscode.version}) has no language model API (vscode.lm): update VS Code, or use another provider`;
  if (typeof api.LanguageModelToolCallPart !== 'function') return `VS Code ${vscode.version} cannot give tools to its language models (needs VS Code 1.95 or later), and AIOS agents act through tools: update VS Code`;
  return null;
}

/** Serves the bridge on `connection`; returns the handlers' disposables. */
export function bindLmBridge(connection: MessageConnection, log: vscode.LogOutputChannel): RpcDisposable[] {
  return [
    connection.onRequest(toExtensionModels.lmModels, () => listLmModels()),
    connection.onRequest(toExtensionModels.lmChat, (params, token) => chat(connection, params, token, log)),
  ];
}

/** The editor's chat models, or why there are none. */
export async function listLmModels(): Promise<LmModelList> {
  const reason = lmUnavailableReason();
  if (reason) return { available: false, reason };
  const models = await vscode.lm.selectChatModels();
  if (models.length === 0) return { available: false, reason: 'no language model is installed: sign in to GitHub Copilot (or install another chat model provider)' };
  return { available: true, models: models.map((m) => ({ id: m.id, vendor: m.vendor, family: m.family, name: m.name, maxInputTokens: m.maxInputTokens })) };
}

async function chat(connection: MessageConnection, p: LmChatParams, rpcToken: RpcToken, log: vscode.LogOutputChannel): Promise<LmChatResult> {
  const reason = lmUnavailableReason();
  if (reason) throw new ResponseError(LM_UNAVAILABLE, reason);
  const api = vscode as unknown as ToolCapableApi;
  const [model] = await vscode.lm.selectChatModels({ vendor: p.vendor, family: p.family });
  if (!model) {
    const all = await vscode.lm.selectChatModels();
    const names = all.map((m) => `vscode-lm:${m.vendor}/${m.family}`).join(', ') || 'none (sign in to Copilot?)';
    throw new ResponseError(LM_UNAVAILABLE, `no language model ${p.vendor}/${p.family} in this editor; available: ${names}`);
  }
  const source = new vscode.CancellationTokenSource();
  const sub = rpcToken.onCancellationRequested(() => source.cancel());
  try {
    // vscode.lm has no system role: the system prompt goes first, as user text
    const messages = [...(p.system ? [vscode.LanguageModelChatMessage.User(p.system)] : []), ...p.messages.map((m) => toChatMessage(api, m.role, m.parts))];
    const options = { tools: p.tools, justification: 'AIOS agents work on this workspace with the model you chose' } as vscode.LanguageModelChatRequestOptions;
    const response = await model.sendRequest(messages, options, source.token);
    const parts: LmChatResult['parts'] = [];
    let text = '';
    for await (const part of (response as unknown as { stream: AsyncIterable<unknown> }).stream) {
      if (part instanceof api.LanguageModelTextPart) {
        text += part.value;
        void connection.sendNotification(toHostModels.lmText, { requestId: p.requestId, text: part.value });
      } else if (part instanceof api.LanguageModelToolCallPart) {
        parts.push({ type: 'toolCall', callId: part.callId, name: part.name, input: part.input as Record<string, unknown> });
      }
    }
    if (text) parts.unshift({ type: 'text', text });
    const counts = await Promise.all(messages.map((m) => model.countTokens(m, source.token)));
    const toolsTokens = p.tools.length ? await model.countTokens(JSON.stringify(p.tools), source.token) : 0;
    const outputTokens = await model.countTokens(text + parts.filter((x) => x.type === 'toolCall').map((x) => JSON.stringify(x)).join(''), source.token);
    return { model: model.id, parts, inputTokens: counts.reduce((a, b) => a + b, 0) + toolsTokens, outputTokens };
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    const message = error instanceof vscode.LanguageModelError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
    log.warn(`vscode.lm ${p.vendor}/${p.family}: ${message}`);
    throw new ResponseError(LM_UNAVAILABLE, message);
  } finally {
    sub.dispose();
    source.dispose();
  }
}

function toChatMessage(api: ToolCapableApi, role: 'user' | 'assistant', parts: LmPart[]): vscode.LanguageModelChatMessage {
  const content = parts.map((part) => {
    if (part.type === 'text') return new api.LanguageModelTextPart(part.text);
    if (part.type === 'toolCall') return new api.LanguageModelToolCallPart(part.callId, part.name, part.input);
    return new api.LanguageModelToolResultPart(part.callId, [new api.LanguageModelTextPart(part.isError ? `Error: ${part.text}` : part.text)]);
  });
  // 1.90's typings take only strings; the editors this runs on (1.95+, checked above) take parts
  const asParts = content as unknown as string;
  return role === 'user' ? vscode.LanguageModelChatMessage.User(asParts) : vscode.LanguageModelChatMessage.Assistant(asParts);
}

/**
 * VS Code's language models (vscode.lm: Copilot and any other chat model provider) as an
 * LlmProvider. Only the extension host can reach them, so every call goes through a bridge the
 * kernel host implements over the protocol (src/host/lmBridgeClient.ts). They report no dollars:
 * the cost is 0 and marked so at spawn (budgets count tokens, from the model's countTokens, and steps).
 */
import type { LlmBlock, LlmObserver, LlmProvider, LlmRequest, LlmResponse, MalformedToolUse } from '../kernel/ports/llm';
import type { LmChatParams, LmChatResult, LmMessage, LmPart } from '../settings/lm';
import { abortError, isAbortError, throwIfAborted } from './abort';

/** How the provider reaches the editor's models. */
export interface LmBridge {
  /** one chat request; `onText` gets the streamed text; rejects with an AbortError when `signal` aborts */
  chat(params: Omit<LmChatParams, 'requestId'>, onText: (delta: string) => void, signal?: AbortSignal): Promise<LmChatResult>;
}

/** Calls one vscode.lm chat model, chosen by vendor and family. */
export class VsCodeLmProvider implements LlmProvider {
  readonly id = 'vscode-lm';
  readonly scripted = false;

  constructor(private readonly bridge: LmBridge, private readonly vendor: string, private readonly family: string) {}

  async call(request: LlmRequest, observer: LlmObserver = {}): Promise<LlmResponse> {
    throwIfAborted(request.signal);
    let result: LmChatResult;
    try {
      result = await this.bridge.chat(
        { vendor: this.vendor, family: this.family, system: request.system, messages: request.messages.map(toLmMessage), tools: request.tools },
        (delta) => observer.onText?.(delta),
        request.signal,
      );
    } catch (error) {
      if (request.signal?.aborted || isAbortError(error)) throw abortError();
      throw error;
    }
    throwIfAborted(request.signal);
    const content: LlmBlock[] = [];
    const malformed: MalformedToolUse[] = [];
    const text = result.parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('');
    if (text) content.push({ type: 'text', text });
    for (const p of result.parts) if (p.type === 'toolCall') content.push({ type: 'tool_use', id: p.callId, name: p.name, input: p.input });
    const calls = content.some((b) => b.type === 'tool_use');
    return {
      content,
      malformed,
      stopReason: calls ? 'tool_use' : 'end_turn',
      usage: { inputTokens: result.inputTokens, outputTokens: result.outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 },
      costUsd: 0,
      model: result.model,
      scripted: false,
    };
  }
}

/** Our blocks as bridge parts; thinking blocks are Anthropic's and stay behind. */
function toLmMessage(m: LlmRequest['messages'][number]): LmMessage {
  const parts: LmPart[] = [];
  for (const b of m.content) {
    if (b.type === 'text') parts.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use') parts.push({ type: 'toolCall', callId: b.id, name: b.name, input: isRecord(b.input) ? b.input : {} });
    else if (b.type === 'tool_result') parts.push({ type: 'toolResult', callId: b.toolUseId, text: b.content, isError: b.isError });
  }
  return { role: m.role, parts };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The error for a vscode-lm model outside VS Code (the CLI). */
export function noEditorError(spec: string): Error {
  return new Error(`Model '${spec}' is a VS Code language model, reachable only from the AIOS extension in VS Code: spawn it there, or use another provider on the command line`);
}

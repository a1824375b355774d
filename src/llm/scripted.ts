/**
 * The offline model: answers from a script, so the kernel, the UI and the benchmarks run without
 * network or key. Its answers are marked `scripted: true`; they are not a model's output.
 */
import type { LlmBlock, LlmObserver, LlmProvider, LlmRequest, LlmResponse, LlmUsage, MalformedToolUse } from '../kernel/ports/llm';
import { realSleep, throwIfAborted, type Sleep } from './abort';
import { toApiParams } from './anthropicRequest';
import { MessagesRules } from './messagesRules';
import { loadScript, parseScript, type Script, type ScriptTurn } from './scriptFile';

/** Options of ScriptedProvider. */
export interface ScriptedProviderOptions {
  /** honours `latency_ms`; injectable so tests do not wait */
  sleep?: Sleep;
  /**
   * Reject, as the real API would with a 400, a request that breaks a Messages API rule
   * (messagesRules.ts), after turning it into the request the Anthropic provider would send.
   * Default: on, unless the environment sets AIOS_SCRIPTED_STRICT=0.
   */
  strict?: boolean;
}

/** Thrown in strict mode for a request the real Messages API would refuse. */
export class ScriptedRequestRejectedError extends Error {
  constructor(readonly rule: string) {
    super(
      `400 invalid_request_error (scripted model, strict Messages API rules): ${rule}. ` +
        'The real API would reject this request too: this is a bug in how the prompt was built; report it with the agent\'s events.',
    );
    this.name = 'ScriptedRequestRejectedError';
  }
}

/** The answer a session gets once its turns have run out. */
export const SCRIPT_ENDED_TEXT = 'The script has ended: this scripted model has no more answers.';

/**
 * Replays a script. Each session (`request.session`) starts at the first turn and moves on one
 * turn per answered call, independently of other sessions. Cost is always 0: no real model ran.
 */
export class ScriptedProvider implements LlmProvider {
  readonly id = 'scripted';
  readonly scripted = true;
  private readonly cursors = new Map<string, number>();
  private readonly sleep: Sleep;
  private readonly rules: MessagesRules | null;

  constructor(private readonly script: Script, options: ScriptedProviderOptions = {}) {
    parseScript(script, 'given in code');
    this.sleep = options.sleep ?? realSleep;
    this.rules = (options.strict ?? process.env['AIOS_SCRIPTED_STRICT'] !== '0') ? new MessagesRules() : null;
  }

  /** Loads and validates a script file (see scriptFile.ts for the format). */
  static fromFile(path: string, options: ScriptedProviderOptions = {}): ScriptedProvider {
    return new ScriptedProvider(loadScript(path), options);
  }

  async call(request: LlmRequest, observer: LlmObserver = {}): Promise<LlmResponse> {
    throwIfAborted(request.signal);
    this.checkRules(request);
    const index = request.step ?? this.cursors.get(request.session) ?? 0;
    const turn = this.script.turns[index];
    if (turn?.latency_ms) await this.sleep(turn.latency_ms, request.signal);
    throwIfAborted(request.signal);
    // The cursor moves only when an answer is delivered: an aborted call did not consume its turn.
    this.cursors.set(request.session, index + 1);
    const response = turn ? answer(turn, index, request) : ended(request);
    for (const block of response.content) if (block.type === 'text' && block.text) observer.onText?.(block.text);
    return response;
  }

  /** The request as the Anthropic provider would send it, against the API's rules. */
  private checkRules(request: LlmRequest): void {
    if (!this.rules) return;
    const body = toApiParams(request, request.maxTokens) as unknown as Record<string, unknown>;
    const broken = this.rules.check(body);
    if (broken) throw new ScriptedRequestRejectedError(broken);
  }
}

function answer(turn: ScriptTurn, index: number, request: LlmRequest): LlmResponse {
  const content: LlmBlock[] = turn.text ? [{ type: 'text', text: turn.text }] : [];
  const malformed: MalformedToolUse[] = [];
  (turn.tool_calls ?? []).forEach((call, i) => {
    const id = `toolu_scripted_${index + 1}_${i + 1}`;
    let input: unknown = call.input ?? {};
    if (call.raw_input !== undefined) {
      const parsed = parseToolInput(call.raw_input);
      if ('error' in parsed) malformed.push({ id, name: call.name, raw: call.raw_input, error: parsed.error });
      input = 'input' in parsed ? parsed.input : {};
    }
    // Kept in content (as the Anthropic provider does) so the tool_result answering it has its tool_use.
    content.push({ type: 'tool_use', id, name: call.name, input });
  });
  const stopReason = turn.tool_calls?.length ? 'tool_use' : 'end_turn';
  return respond(request, content, malformed, stopReason, turn.usage ? fromScript(turn.usage) : estimate(request, content));
}

/** Raw text the way the Anthropic provider treats it: a JSON object, or an error. */
function parseToolInput(raw: string): { input: Record<string, unknown> } | { error: string } {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { input: value as Record<string, unknown> };
    return { error: 'tool input must be a JSON object' };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function ended(request: LlmRequest): LlmResponse {
  const content: LlmBlock[] = [{ type: 'text', text: SCRIPT_ENDED_TEXT }];
  return respond(request, content, [], 'end_turn', estimate(request, content));
}

function respond(request: LlmRequest, content: LlmBlock[], malformed: MalformedToolUse[], stopReason: string, usage: LlmUsage): LlmResponse {
  return { content, malformed, stopReason, usage, costUsd: 0, model: request.model, scripted: true };
}

function fromScript(usage: NonNullable<ScriptTurn['usage']>): LlmUsage {
  return {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  };
}

/** Without scripted usage: about 4 characters per token of what was sent and what came back. */
function estimate(request: LlmRequest, content: LlmBlock[]): LlmUsage {
  const sent = request.system.length + JSON.stringify(request.tools).length + JSON.stringify(request.messages).length;
  return {
    inputTokens: Math.ceil(sent / 4),
    outputTokens: Math.ceil(JSON.stringify(content).length / 4),
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
}

/**
 * The request and answer of one call to a VS Code language model, as the llm layer sees them;
 * the protocol carries the same shapes to the extension (src/protocol/modelMethods.ts).
 */

/** A content part on the bridge (a plain-JSON mirror of LanguageModelChatMessage parts). */
export type LmPart =
  | { type: 'text'; text: string }
  | { type: 'toolCall'; callId: string; name: string; input: Record<string, unknown> }
  | { type: 'toolResult'; callId: string; text: string; isError: boolean };

/** A message on the bridge. vscode.lm has no system role: the host sends the system prompt first as user text. */
export interface LmMessage {
  role: 'user' | 'assistant';
  parts: LmPart[];
}


/** One request to a vscode.lm chat model. */
export interface LmChatParams {
  /** correlates `lmText` notifications with this request */
  requestId: string;
  vendor: string;
  family: string;
  messages: LmMessage[];
  tools: Array<{ name: string; description: string; inputSchema: Record<string, unknown> }>;
  /** the system prompt, to prepend as a user message */
  system: string;
}

/** What the model answered; tokens come from the model's countTokens (vscode.lm reports no usage). */
export interface LmChatResult {
  /** the chat model's id (e.g. `copilot-gpt-4o`) */
  model: string;
  parts: Array<Extract<LmPart, { type: 'text' } | { type: 'toolCall' }>>;
  inputTokens: number;
  outputTokens: number;
}

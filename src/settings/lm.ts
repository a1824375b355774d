/**
 * One call to a VS Code language model (vscode.lm) as plain data: what the llm layer sends and
 * the protocol carries to the extension, which alone can reach the editor's models.
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


/** A chat model the editor offers. */
export interface LmModelView {
  id: string;
  vendor: string;
  family: string;
  name: string;
  maxInputTokens: number;
}

/** The editor's models, or why there are none. */
export type LmModelList = { available: true; models: LmModelView[] } | { available: false; reason: string };

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

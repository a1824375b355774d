/** The tool port: what a tool declares and how the kernel prepares and runs it (implemented in src/tools/ and beside each service). */
import type { Capability, Pid, Risk } from '../types';
import type { ApprovalSubject, ProposedFile } from './approvals';

/** A tool's declaration. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  risk: Risk;
  capabilities: Capability[];
}

/** What a tool call produced, fed back to the model. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
}

/** Context handed to a tool while it prepares and runs. */
export interface ToolContext {
  pid: Pid;
  agentName: string;
  signal: AbortSignal;
  /**
   * Put a change set (e.g. what a sandboxed command wrote) through the approval policy (as the
   * pseudo-tool `apply_changes`, risk medium, capability fs.write); returns the paths the policy
   * or the developer approved. The caller applies them and reports conflicts.
   */
  proposeChanges(files: ProposedFile[], summary: string): Promise<{ approved: string[] }>;
  /** Puts one more action (e.g. running a command again) through policy and the developer; true when approved. */
  confirm?(tool: ToolSpec, subject: ApprovalSubject): Promise<boolean>;
}

/** A validated tool call ready to run once the policy allows it. */
export interface PreparedCall {
  /** what the developer sees if asked */
  subject: ApprovalSubject;
  run(): Promise<ToolOutcome>;
}

/** A tool the kernel can call. */
export interface Tool extends ToolSpec {
  /**
   * Checks the (schema-valid) input against the world and returns what to approve and how to run.
   * Throws ToolInputError for bad input (a path outside the workspace, a stale edit).
   */
  prepare(input: unknown, context: ToolContext): Promise<PreparedCall>;
}

/** Result of validating a call: the tool and its schema-valid input, or an error for the model. */
export type ToolValidation =
  | { ok: true; tool: Tool; input: unknown }
  | { ok: false; error: string };

/** The tools the kernel can offer (implemented by tools/ToolRegistry). */
export interface ToolCatalog {
  list(): ToolSpec[];
  get(name: string): Tool | undefined;
  validate(name: string, input: unknown): ToolValidation;
}

/** Bad tool input: goes back to the model as an error tool result. */
export class ToolInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

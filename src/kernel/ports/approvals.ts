/** The approval port: how the kernel asks the developer (the extension's prompts, the CLI on a TTY). */
import type { Pid, Risk } from '../types';

/** One file of a proposed change, shown as a diff and applied only when approved. */
export interface ProposedFile {
  /** workspace-relative path with forward slashes */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** unified diff */
  diff: string;
  /** current content ('' when added); null for binary */
  before: string | null;
  /** proposed content ('' when deleted); null for binary */
  after: string | null;
}

/** What the developer is asked to approve. */
export type ApprovalSubject =
  | { kind: 'tool'; summary: string; input: unknown }
  | { kind: 'edit'; summary: string; files: ProposedFile[] }
  | { kind: 'command'; summary: string; command: string; cwd: string };

/** A request to the developer. */
export interface ApprovalRequest {
  id: string;
  pid: Pid;
  agentName: string;
  tool: string;
  risk: Risk;
  subject: ApprovalSubject;
  createdAt: number;
  /** what "always allow" would cover, in words; null when no standing rule may be made */
  ruleCovers: string | null;
}

/** Scope of a standing rule the developer creates while answering. */
export type RuleScope = 'agent' | 'session' | 'always';

/** The developer's answer. For edits, `files` may approve a subset (paths); absent means all. */
export type ApprovalAnswer =
  | { decision: 'approve'; remember: RuleScope | null; files?: string[]; by?: AutoDecider }
  | { decision: 'deny'; reason: string | null; by?: AutoDecider };

/** Who answered an approval when no person did (audited as that actor): `auto` is --yes / --deny-risky. */
export type AutoDecider = 'auto';

/** Who decided a tool call, as audited: a person, or which automatic path. */
export type DecisionActor = 'policy' | 'rule' | 'developer' | 'auto' | 'timeout' | 'kill';

/** Who asks the developer: the CLI on a TTY, the extension in editor prompts. */
export interface ApprovalClient {
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}

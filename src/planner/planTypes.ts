/** What a plan produces and how the planner is configured; the error a refused plan raises. */
import { KernelError } from '../kernel/errors';
import type { FailurePolicy, SubtaskStatus } from './plannerDag';
import type { PlanStatus } from './plannerView';
import type { Pid } from '../kernel/types';

/** What a child agent hands back to its parent. */
export interface SubtaskResult {
  summary: string;
  /** workspace-relative paths the child created or changed (reported, or written under its leases) */
  artifacts: string[];
  success: boolean;
}

/** One subtask's end, as the parent sees it. */
export interface SubtaskOutcome extends SubtaskResult {
  id: string;
  role: string;
  status: SubtaskStatus;
  /** the child agent of the last attempt (null if none ever started) */
  agent: Pid | null;
  attempts: number;
}

/** What running a plan produced: the collected results. */
export interface PlanOutcome {
  plan: string;
  status: PlanStatus;
  onFailure: FailurePolicy;
  results: SubtaskOutcome[];
}

/** Planner settings. */
export interface PlannerConfig {
  /** subtasks a model may put in one plan (the tool's schema) */
  maxSubtasks: number;
  /** children of one plan alive at once */
  maxParallel: number;
  /** how deep plans may nest (a child planning too); 1 means children cannot plan */
  maxDepth: number;
  /** attempts per subtask under the `retry` policy */
  maxAttempts: number;
}

export const DEFAULT_PLANNER: PlannerConfig = { maxSubtasks: 50, maxParallel: 16, maxDepth: 3, maxAttempts: 2 };

/** A plan the planner refuses (invalid, a cycle, nested too deep): the message is for the model. */
export class PlanError extends KernelError {
  constructor(message: string) {
    super('invalid_plan', message);
    this.name = 'PlanError';
  }
}


import type { AgentState, Pid } from './types';

/** Base class of errors the kernel raises on purpose; `code` is stable for callers and the protocol. */
export class KernelError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'KernelError';
  }
}

/** A state change the lifecycle does not allow (e.g. resuming a finished agent). */
export class InvalidTransitionError extends KernelError {
  constructor(readonly pid: Pid, readonly from: AgentState, readonly to: AgentState) {
    super('invalid_transition', `agent ${pid} cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

/** No agent with that pid. */
export class NoSuchAgentError extends KernelError {
  constructor(readonly pid: Pid) {
    super('no_such_agent', `no agent with pid ${pid}: list agents with 'aios ps' or the Agents view`);
    this.name = 'NoSuchAgentError';
  }
}

/** An argument out of range (priority, budget, watermark). */
export class InvalidArgumentError extends KernelError {
  constructor(message: string) {
    super('invalid_argument', message);
    this.name = 'InvalidArgumentError';
  }
}

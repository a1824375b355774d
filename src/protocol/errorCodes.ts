/**
 * JSON-RPC error codes of the host protocol, written once for both ends: the host raises them,
 * the extension tells them apart. Kernel errors keep their stable string code (`KernelError.code`)
 * and travel with the matching number here.
 */
export const HostErrorCode = {
  /** a request came before `initialize` */
  notInitialized: -32002,
  /** the session cannot open (native module, database, another kernel); restarting will not help */
  cannotStart: -32050,
  /** the agent cannot make that state change (resume a finished agent) */
  invalidTransition: -32051,
  /** no agent with that pid */
  noSuchAgent: -32052,
  /** an argument out of range (priority, budget) */
  invalidArgument: -32053,
} as const;

/** `KernelError.code` → the protocol's number; an unknown code travels as a plain internal error. */
export const KERNEL_ERROR_CODES: Readonly<Record<string, number>> = {
  invalid_transition: HostErrorCode.invalidTransition,
  no_such_agent: HostErrorCode.noSuchAgent,
  invalid_argument: HostErrorCode.invalidArgument,
};

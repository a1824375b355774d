/**
 * A tool catalog with checks beyond JSON Schema. A plan with a cycle or an unknown dependency
 * is schema-valid, but it is still malformed model output: failing it in `validate` sends it
 * back to the model as an error *and* counts it towards the runtime's malformed-output limit,
 * so a model that keeps writing bad plans is stopped like one that keeps writing bad JSON.
 */
import type { ToolCatalog } from '../kernel/ports/tools';

/** A check of a schema-valid input: null when fine, else the problem for the model. */
export type InputCheck = (input: unknown) => string | null;

/** Wraps a catalog so `validate` also runs the named tools' checks. */
export function withInputChecks(inner: ToolCatalog, checks: Readonly<Record<string, InputCheck>>): ToolCatalog {
  return {
    list: () => inner.list(),
    get: (name) => inner.get(name),
    validate(name, input) {
      const v = inner.validate(name, input);
      if (!v.ok) return v;
      const check = Object.hasOwn(checks, name) ? checks[name] : undefined;
      const problem = check?.(v.input);
      return problem ? { ok: false, error: problem } : v;
    },
  };
}

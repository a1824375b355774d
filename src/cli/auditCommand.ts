/**
 * `aios audit verify --db FILE`: walks the audit hash chain (storage/auditChain.ts) read-only.
 * Exit 0 when the chain is intact, 1 with the first broken entry when it is not.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyAudit, type AuditVerdict } from '../storage/auditChain';
import { SqliteStore } from '../storage/sqliteStore';

export const AUDIT_HELP = `aios audit verify --db FILE [--json]

Checks that the audit trail (every approval, rule and automatic decision) was not changed: each
entry carries a SHA-256 hash over its content and the previous entry's hash. Exits 0 when the
chain is intact, 1 naming the first broken entry (changed, deleted or inserted), 2 on a usage error.
  --json   print {"ok": …, "entries": …, "seq": …, "problem": …}`;

/** Thrown for a wrong command line (exit 2). */
export class AuditUsageError extends Error {}

/** Runs `aios audit …`; returns the exit code. */
export function auditCommand(argv: string[], out: (line: string) => void): number {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    out(AUDIT_HELP);
    return 0;
  }
  if (sub !== 'verify') throw new AuditUsageError(`unknown audit command '${sub}': use 'aios audit verify --db FILE'`);
  let values: { db?: string; json?: boolean; help?: boolean };
  try {
    values = parseArgs({ args: rest, options: { db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (err) {
    throw new AuditUsageError(`${(err as Error).message.split('\n')[0]}; see 'aios audit --help'`);
  }
  if (values.help) {
    out(AUDIT_HELP);
    return 0;
  }
  if (!values.db) throw new AuditUsageError(`--db FILE is required; see 'aios audit --help'`);
  const path = resolve(values.db);
  if (!existsSync(path)) throw new AuditUsageError(`no database at ${path}: give the --db of an 'aios run' (default <workspace>/.aios/aios.db)`);
  const store = SqliteStore.open(path, { readonly: true });
  let verdict: AuditVerdict;
  try {
    verdict = verifyAudit(store.connection);
  } finally {
    store.close();
  }
  if (values.json) {
    out(JSON.stringify(verdict.ok ? { ok: true, entries: verdict.entries, seq: null, problem: null } : verdict));
  } else if (verdict.ok) {
    out(`audit trail of ${path}: ${verdict.entries} entr${verdict.entries === 1 ? 'y' : 'ies'}, hash chain intact${verdict.unchained ? ` (${verdict.unchained} older entries from before the chain are not covered)` : ''}`);
  } else {
    out(`audit trail of ${path} is BROKEN at entry ${verdict.seq ?? '(head)'}: ${verdict.problem}. ${verdict.entries} entries before it verify. Keep a copy of the file for investigation.`);
  }
  return verdict.ok ? 0 : 1;
}

/**
 * `aios audit verify --db FILE`: walks the audit hash chain (storage/auditChain.ts) read-only.
 * Exit 0 when the chain is intact, 1 with the first broken entry when it is not.
 */
import type { Command } from '@commander-js/extra-typings';
import { verifyAudit, type AuditVerdict } from '../storage/auditChain';
import { SqliteStore } from '../storage/sqliteStore';
import { existingDatabase } from './usage';

export function registerAudit(program: Command): void {
  const audit = program.command('audit')
    .summary("check the audit trail's hash chain")
    .description(`Checks that the audit trail (every approval, rule and automatic decision) was not changed: each entry carries a SHA-256 hash over its content and the previous entry's hash.`);
  audit.command('verify')
    .summary("check the audit trail's hash chain")
    .description(`Walks the audit trail's hash chain read-only. Exits 0 when the chain is intact, 1 naming the first broken entry (changed, deleted or inserted), 2 on a usage error.`)
    .requiredOption('--db <FILE>', 'the database of an aios run (required)', existingDatabase)
    .option('--json', 'print {"ok": …, "entries": …, "seq": …, "problem": …}')
    .action((o) => {
      process.exitCode = verify(o.db, o.json === true, (line) => process.stdout.write(`${line}\n`));
    });
}

/** `aios audit verify`: prints the verdict on the chain of the database at `path`; returns the exit code. */
export function verify(path: string, json: boolean, out: (line: string) => void): number {
  const store = SqliteStore.open(path, { readonly: true });
  let verdict: AuditVerdict;
  try {
    verdict = verifyAudit(store.connection);
  } finally {
    store.close();
  }
  if (json) {
    out(JSON.stringify(verdict.ok ? { ok: true, entries: verdict.entries, seq: null, problem: null } : verdict));
  } else if (verdict.ok) {
    out(`audit trail of ${path}: ${verdict.entries} entr${verdict.entries === 1 ? 'y' : 'ies'}, hash chain intact${verdict.unchained ? ` (${verdict.unchained} older entries from before the chain are not covered)` : ''}`);
  } else {
    out(`audit trail of ${path} is BROKEN at entry ${verdict.seq ?? '(head)'}: ${verdict.problem}. ${verdict.entries} entries before it verify. Keep a copy of the file for investigation.`);
  }
  return verdict.ok ? 0 : 1;
}

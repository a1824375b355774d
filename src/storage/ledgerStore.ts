/** The read ledger's table (schema step 4). */
import type Database from 'better-sqlite3';
import type { Pid } from '../kernel/types';
import type { LedgerStore } from '../kernel/ports/ledger';

/** `LedgerStore` on the kernel's database. */
export class SqliteLedgerStore implements LedgerStore {
  private readonly sql: { all: Database.Statement<[], { pid: Pid; path: string; hash: string }>; put: Database.Statement<[Pid, string, string]>; drop: Database.Statement<[Pid]> };

  constructor(db: Database.Database) {
    this.sql = {
      all: db.prepare('SELECT pid, path, hash FROM read_ledger'),
      put: db.prepare('INSERT OR REPLACE INTO read_ledger (pid, path, hash) VALUES (?, ?, ?)'),
      drop: db.prepare('DELETE FROM read_ledger WHERE pid = ?'),
    };
  }

  all(): Array<{ pid: Pid; path: string; hash: string }> {
    return this.sql.all.all();
  }

  put(pid: Pid, path: string, hash: string): void {
    this.sql.put.run(pid, path, hash);
  }

  drop(pid: Pid): void {
    this.sql.drop.run(pid);
  }
}

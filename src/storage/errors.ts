/**
 * Storage faults a developer can act on. Each message names the database file, says what is
 * wrong and what to do; the original SQLite error is kept as `cause`.
 */

/** Any storage failure; `path` is the database file (or `:memory:`). */
export class StorageError extends Error {
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** The file was written by a newer AIOS (its schema version is higher than we know). */
export class SchemaTooNewError extends StorageError {
  constructor(path: string, readonly found: number, readonly known: number) {
    super(
      path,
      `Database ${path} has schema version ${found}, newer than this AIOS understands (${known}): ` +
        'upgrade AIOS or point aios.databasePath at another file',
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The file is not a database or failed its integrity check; it was left untouched. */
export class CorruptDatabaseError extends StorageError {
  constructor(path: string, readonly detail: string, options?: { cause?: unknown }) {
    super(
      path,
      `Database ${path} is corrupt (${detail}). AIOS left it untouched: restore it from a backup, ` +
        'or move it aside and point aios.databasePath at a new file',
      options,
    );
    this.name = 'CorruptDatabaseError';
  }
}

/** The -wal file is damaged: committed transactions after the damage would be lost by opening it. */
export class WalDamagedError extends StorageError {
  constructor(path: string, readonly frame: number, readonly offset: number, readonly lostCommits: number) {
    super(
      path,
      `Database ${path}: its write-ahead log ${path}-wal is damaged at ${frame < 0 ? 'its header' : `frame ${frame} (byte ${offset})`}, ` +
        `and ${lostCommits} committed transaction${lostCommits === 1 ? '' : 's'} after it cannot be read: opening it would silently lose them. ` +
        'AIOS left both files untouched: copy the database and its -wal file somewhere safe, then restore from a backup, ' +
        `or move ${path}-wal aside to open the database without those transactions`,
    );
    this.name = 'WalDamagedError';
  }
}

/** Another connection held the write lock for longer than the busy timeout. */
export class DatabaseLockedError extends StorageError {
  constructor(path: string, readonly waitedMs: number, options?: { cause?: unknown }) {
    super(
      path,
      `Database ${path} is locked by another process (waited ${waitedMs} ms): ` +
        'close the other AIOS window or process using it, or point aios.databasePath at another file',
      options,
    );
    this.name = 'DatabaseLockedError';
  }
}

/** The SQLite result code of an error from better-sqlite3 (e.g. `SQLITE_BUSY_SNAPSHOT`), if any. */
function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * Turns a SQLite failure into one of the errors above. Errors that are not about the file
 * (a constraint violation, a bug in a query, an exception thrown by a transaction body) are
 * returned unchanged: they are the caller's to handle.
 */
export function toStorageError(err: unknown, path: string, busyTimeoutMs: number): unknown {
  if (err instanceof StorageError) return err;
  const code = sqliteCode(err);
  if (code === undefined) return err;
  const cause = { cause: err };
  const message = (err as Error).message;
  if (code.startsWith('SQLITE_BUSY')) return new DatabaseLockedError(path, busyTimeoutMs, cause);
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new CorruptDatabaseError(path, message, cause);
  if (code === 'SQLITE_FULL') return new StorageError(path, `Database ${path}: the disk is full (${message}): free some space and retry`, cause);
  if (code.startsWith('SQLITE_READONLY')) {
    return new StorageError(path, `Database ${path} cannot be written (${message}): check the file's permissions or point aios.databasePath at a writable file`, cause);
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new StorageError(path, `Database ${path} cannot be opened (${message}): check that the folder exists and is writable`, cause);
  }
  if (code.startsWith('SQLITE_IOERR')) return new StorageError(path, `Database ${path}: input/output error (${message}): check the disk and retry`, cause);
  return err;
}

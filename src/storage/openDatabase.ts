/**
 * Opening a database file safely: refuse files from a newer AIOS or that fail their integrity
 * check without writing a byte to them, then set the pragmas and migrate.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CorruptDatabaseError, SchemaTooNewError, StorageError, toStorageError, WalDamagedError } from './errors';
import { checkWal } from './walCheck';
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations';

/** Options of `SqliteStore.open`. */
export interface OpenOptions {
  /** how long a write waits for another connection's lock before DatabaseLockedError (default 2000) */
  busyTimeoutMs?: number;
  /** open without writing: no pragmas that write, no migrations; the file must exist and be current */
  readonly?: boolean;
}

/** Default wait for a lock held by another connection. */
export const DEFAULT_BUSY_TIMEOUT_MS = 2000;

/** WAL pages (4 KiB) after which a commit checkpoints the WAL into the database file. */
const WAL_CHECKPOINT_PAGES = 10_000;
/** A checkpointed WAL above this size (one huge transaction) is truncated back to it. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Opens, checks and (unless read-only) migrates a database; on any failure nothing stays open. */
export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const readonly = options.readonly ?? false;
  const onDisk = path !== ':memory:' && path !== '';
  if (readonly && !existsSync(path)) {
    throw new StorageError(path, `Database ${path} does not exist, so it cannot be opened read-only: check aios.databasePath`);
  }
  // Before any connection: the first one to open would replay the WAL up to the damage and
  // checkpoint it, dropping the later commits for good.
  const wal = onDisk ? checkWal(path) : null;
  if (wal) throw new WalDamagedError(path, wal.frame, wal.offset, wal.lostCommits);
  // Existing files are checked through a read-only connection first: a read-write connection
  // could replay or checkpoint a WAL into a file we are about to call corrupt.
  const checked = onDisk && !readonly && hasContent(path) && probe(path, busyTimeoutMs);
  if (onDisk && !readonly) mkdirSync(dirname(path), { recursive: true });
  const db = readonly ? connectForReading(path, busyTimeoutMs) : connect(path, { readonly, busyTimeoutMs });
  try {
    const version = checkVersion(db, path);
    if (!checked) checkIntegrity(db, path);
    if (readonly) {
      if (version < LATEST_SCHEMA_VERSION) {
        throw new StorageError(path, `Database ${path} has schema version ${version}, older than this AIOS (${LATEST_SCHEMA_VERSION}), and was opened read-only: open it read-write once to upgrade it`);
      }
    } else {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode: a commit survives a crash of this process, not of the machine.
      db.pragma('synchronous = NORMAL');
      // With NORMAL, checkpoints are the only fsyncs (two each). Checkpointing every ~40 MB of
      // WAL instead of every ~4 MB makes a burst of small commits about a third faster; the
      // cost is a larger WAL file and a longer (rarer) checkpoint.
      db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    }
    db.pragma('foreign_keys = ON');
    if (!readonly) migrate(db);
    return db;
  } catch (err) {
    db.close();
    throw toStorageError(err, path, busyTimeoutMs);
  }
}

function connect(path: string, options: { readonly: boolean; busyTimeoutMs: number }): Database.Database {
  try {
    return new Database(path, { readonly: options.readonly, fileMustExist: options.readonly, timeout: options.busyTimeoutMs });
  } catch (err) {
    throw toStorageError(err, path, options.busyTimeoutMs);
  }
}

/**
 * A read-only connection. SQLite reads a WAL-mode file through a `-shm` file it creates next to
 * it; on read-only media (a folder we may not write) it cannot, so the file is read into memory
 * and opened from there. That copy has no WAL to miss: a `-wal` file SQLite cannot read is refused.
 */
function connectForReading(path: string, busyTimeoutMs: number): Database.Database {
  const db = connect(path, { readonly: true, busyTimeoutMs });
  try {
    db.pragma('user_version');
    return db;
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code ?? '';
    if (code !== 'SQLITE_READONLY_DIRECTORY' && !code.startsWith('SQLITE_CANTOPEN')) throw toStorageError(err, path, busyTimeoutMs);
    if (existsSync(`${path}-wal`)) {
      throw new StorageError(path, `Database ${path} is on read-only media with a ${path}-wal file that SQLite cannot read there (it needs to create ${path}-shm): copy the folder to writable storage and open the copy`, { cause: err });
    }
    const image = readFileSync(path);
    // bytes 18-19: the file's read/write format (2 = WAL); an in-memory image reads it as a rollback-journal file
    if (image.length >= 20) image[18] = image[19] = 1;
    return new Database(image, { readonly: true });
  }
}

function hasContent(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}

/** Checks an existing file read-only; false when only a writer can check it (a hot rollback journal). */
function probe(path: string, busyTimeoutMs: number): boolean {
  const db = connect(path, { readonly: true, busyTimeoutMs });
  try {
    checkVersion(db, path);
    checkIntegrity(db, path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_READONLY_ROLLBACK') return false;
    throw toStorageError(err, path, busyTimeoutMs);
  } finally {
    db.close();
  }
}

/** Refuses a schema newer than this build; returns the version. */
function checkVersion(db: Database.Database, path: string): number {
  const version = schemaVersion(db);
  if (version > LATEST_SCHEMA_VERSION) throw new SchemaTooNewError(path, version, LATEST_SCHEMA_VERSION);
  return version;
}

/** Refuses a damaged file (quick_check: b-trees, pages, records; cheaper than integrity_check). */
function checkIntegrity(db: Database.Database, path: string): void {
  const problems = db.prepare('PRAGMA quick_check(5)').pluck().all() as string[];
  if (problems.length === 1 && problems[0] === 'ok') return;
  const detail = problems.join('\n').replace('*** in database main ***', '').trim().split('\n').join('; ');
  throw new CorruptDatabaseError(path, detail);
}

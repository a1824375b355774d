import { lockHolder } from '../storage/kernelLock';
import type { SqliteStore } from '../storage/sqliteStore';

/**
 * The process id of another kernel holding this database's lock (kernelLock.ts), or null. Two
 * kernels on one database would hand out the same pids and overwrite each other's agents, so a
 * session refuses to open while another one lives, and `aios kill` sends its kill through the live one.
 */
export function liveKernel(store: Pick<SqliteStore, 'connection'>): number | null {
  const holder = lockHolder(store.connection);
  return holder && holder.processId !== process.pid ? holder.processId : null;
}

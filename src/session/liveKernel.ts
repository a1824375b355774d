import type { KernelStore } from '../kernel/ports';

/**
 * The process id of another kernel still running on this database, or null. Two kernels on one
 * database would hand out the same pids and overwrite each other's agents, so a session refuses
 * to open while another one lives, and `aios kill` sends its kill through the live one.
 */
export function liveKernel(store: Pick<KernelStore, 'queryEvents'>): number | null {
  const last = store.queryEvents({ type: 'kernel.', limit: 1 })[0]?.event;
  if (!last || last.type !== 'kernel.started' || last.processId === process.pid) return null;
  try {
    process.kill(last.processId, 0);
    return last.processId;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? last.processId : null;
  }
}

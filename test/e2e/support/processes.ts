import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { pollUntil } from './poll';

/** Asks the kernel for a free TCP port on 127.0.0.1 (bind to port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Pids of every live descendant of `rootPid` (children, grandchildren, …), read from `ps`. */
export function descendantPids(rootPid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const found: number[] = [];
  const queue = [rootPid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** A zombie counts as gone: it has exited, only its parent has not collected it yet. */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * Ends a process started with `detached: true` and everything under it: SIGTERM to its process
 * group and to each descendant (a child may have left the group), then SIGKILL after `graceMs`.
 * code-server keeps extension hosts alive after the browser leaves, so killing only the
 * top process would leave them running.
 */
export async function killProcessTree(rootPid: number, graceMs = 5_000): Promise<void> {
  const pids = [rootPid, ...descendantPids(rootPid)];
  signal(-rootPid, 'SIGTERM');
  for (const pid of pids) signal(pid, 'SIGTERM');
  try {
    await pollUntil(() => (pids.some(isAlive) ? undefined : true), { timeoutMs: graceMs, what: 'processes to exit' });
  } catch {
    signal(-rootPid, 'SIGKILL');
    for (const pid of pids) signal(pid, 'SIGKILL');
  }
}

/** Synchronous last resort for `process.on('exit')`: SIGKILL the group and known descendants. */
export function killProcessTreeNow(rootPid: number): void {
  let pids: number[] = [];
  try {
    pids = descendantPids(rootPid);
  } catch {
    // ps unavailable while exiting: the group kill below still covers the usual case
  }
  signal(-rootPid, 'SIGKILL');
  for (const pid of pids) signal(pid, 'SIGKILL');
}

/**
 * Cleaning up after kernels that died without disposing their sandboxes: every container and
 * volume we make is labelled with its kernel session and `host:pid`; a label whose process is
 * gone on this host marks an orphan.
 */
import { rmdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type Docker from 'dockerode';
import { removeStateDir } from './staging';

/** Removes labelled containers and volumes (and their staging directories) of dead kernels other than `session`. */
export async function removeOrphans(docker: Docker, session: string, log: (line: string) => void): Promise<{ containers: number; volumes: number }> {
  const dead = (labels: Record<string, string> | null | undefined) => !!labels && labels['aios.kernel'] !== session && isDeadKernel(labels['aios.host']);
  const containers = (await docker.listContainers({ all: true, filters: { label: ['aios.sandbox=1'] } })).filter((c) => dead(c.Labels));
  await Promise.allSettled(containers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  const volumes = ((await docker.listVolumes({ filters: { label: ['aios.sandbox=1'] } })).Volumes ?? []).filter((v) => dead(v.Labels));
  for (const v of volumes) {
    await docker.getVolume(v.Name).remove().catch(() => undefined);
    const dir = v.Labels?.['aios.state'];
    if (dir) {
      await removeStateDir(dir).catch((err: Error) => log(`sandbox: ${err.message}`));
      await rmdir(dirname(dir)).catch(() => undefined); // the dead session's folder, once empty
    }
  }
  return { containers: containers.length, volumes: volumes.length };
}

/** `host:pid` of a kernel: dead when on this host and no such process exists. Other hosts: unknown, so alive. */
export function isDeadKernel(tag: string | undefined): boolean {
  if (!tag) return true;
  const at = tag.lastIndexOf(':');
  if (tag.slice(0, at) !== hostname()) return false;
  try {
    process.kill(Number(tag.slice(at + 1)), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

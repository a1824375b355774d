/**
 * The create options of a sandbox container: locked down by default (no network, no
 * capabilities, read-only root, limits), the workspace only through the staging volume.
 */
import type Docker from 'dockerode';
import type { SandboxConfig } from './config';
import { RUNNER_SOURCE } from './runner';

/** Labels every sandbox container and volume carries. */
export function sandboxLabels(session: string, pid: string, host: string): Record<string, string> {
  return { 'aios.sandbox': '1', 'aios.kernel': session, 'aios.pid': pid, 'aios.host': host };
}

/**
 * Container options. `network: true` attaches `config.networkMode`; callers must only pass it
 * for agents holding the high-risk `net` capability.
 */
export function containerSpec(config: SandboxConfig, image: string, volume: string, labels: Record<string, string>, network: boolean, runner: boolean): Docker.ContainerCreateOptions {
  const { limits } = config;
  return {
    Image: image,
    // Main process: the runner (commands arrive on its stdin), or a shell waiting on its stdin
    // (commands arrive as execs). Either exits when the kernel's attached connection closes
    // (StdinOnce: the kernel exited or died), which stops the container. Init reaps orphans.
    Cmd: runner ? ['node', '-e', RUNNER_SOURCE] : ['sh', '-c', 'exec cat >/dev/null'],
    Entrypoint: [],
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    User: config.user,
    WorkingDir: '/workspace',
    Env: ['HOME=/tmp', 'TMPDIR=/tmp'],
    Labels: labels,
    NetworkDisabled: !network,
    HostConfig: {
      NetworkMode: network ? config.networkMode : 'none',
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes, // no swap: a memory bomb meets the limit instead of thrashing
      NanoCpus: limits.nanoCpus,
      PidsLimit: limits.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': `rw,nosuid,nodev,size=${limits.tmpfsBytes},mode=1777`,
        // kernel state in the workspace (.aios): not visible, not writable
        ...Object.fromEntries(config.hidden.map((dir) => [`/workspace/${dir}`, 'ro,nosuid,nodev,noexec,size=4k,mode=0555'])),
      },
      // No single file in /workspace (or /tmp) larger than the staging quota; the total is checked when changes are collected.
      Ulimits: [{ Name: 'fsize', Soft: config.stagingQuotaBytes, Hard: config.stagingQuotaBytes }],
      Mounts: [{ Type: 'volume', Source: volume, Target: '/workspace' }],
      Init: true,
      AutoRemove: false,
    },
  };
}

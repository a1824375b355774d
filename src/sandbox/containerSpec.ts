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
    // Main process: the runner (commands arrive on its stdin), or an idle sleep (commands arrive as
    // execs). Init reaps what commands orphan.
    Cmd: runner ? ['node', '-e', RUNNER_SOURCE] : ['sleep', '2147483647'],
    Entrypoint: [],
    OpenStdin: runner,
    StdinOnce: false,
    AttachStdin: runner,
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
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${limits.tmpfsBytes},mode=1777` },
      Mounts: [{ Type: 'volume', Source: volume, Target: '/workspace' }],
      Init: true,
      AutoRemove: false,
    },
  };
}

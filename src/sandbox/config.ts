/**
 * Sandbox settings (aios.sandbox.*) with their defaults. Limits are per container, i.e. per agent.
 */
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Resource limits of one sandbox container. */
export interface SandboxLimits {
  /** bytes of memory (and memory+swap: no swap) */
  memoryBytes: number;
  /** CPUs in units of 1e-9 */
  nanoCpus: number;
  /** processes and threads */
  pidsLimit: number;
  /** size of the tmpfs at /tmp */
  tmpfsBytes: number;
}

/** Everything DockerSandbox can be told; all but `workspace` and `session` are optional. */
export interface SandboxOptions {
  /** the real workspace folder (absolute); agents see it at /workspace, read-only under a staging layer */
  workspace: string;
  /** the kernel session id; labels containers so a later kernel can remove what this one leaves */
  session: string;
  /** aios.sandbox.dockerHost; else DOCKER_HOST; else the default socket */
  dockerHost?: string;
  /** aios.sandbox.image; else .devcontainer image; else aios-sandbox:<version> */
  image?: string;
  /** where staging layers live (default: <tmpdir>/aios-sandbox) */
  stateDir?: string;
  /** `uid:gid` of commands; default: the workspace owner, or 1000:1000 when root owns it. Never root. */
  user?: string;
  limits?: Partial<SandboxLimits>;
  /** cap of stdout and of stderr, each (default 1 MiB) */
  outputCapBytes?: number;
  /** timeout of a command when none is given (default 60 s) */
  defaultTimeoutMs?: number;
  /** longest timeout a caller may ask for (default 10 min) */
  maxTimeoutMs?: number;
  /** started containers kept ready (default 2; 0 disables the pool) */
  poolSize?: number;
  /** top-level workspace names whose staged changes are never proposed (default ['.git', '.aios']) */
  ignore?: string[];
  /**
   * Workspace-relative directories the container cannot see at all (an empty read-only tmpfs is
   * mounted over them): kernel state such as `.aios` (default ['.aios']).
   */
  hidden?: string[];
  /** absolute paths (the kernel's database) no change set may ever touch */
  untouchable?: string[];
  /** most bytes a command may leave in /workspace (all staged files, and each one); default 1 GiB */
  stagingQuotaBytes?: number;
  /** longest time collecting a command's changes may take (default 30 s) */
  collectTimeoutMs?: number;
  /** Docker network used when a caller asks for `network: true` (default 'bridge') */
  networkMode?: string;
  /** engine ping timeout (default 3 s) */
  pingTimeoutMs?: number;
  /**
   * How commands start: `runner` (a resident node process in the container spawns them: a few ms;
   * needs node in the image), `api` (a Docker exec each: ~60 ms), `auto` (runner for the default
   * image, which has node; api for others). Default auto.
   */
  execMode?: 'auto' | 'runner' | 'api';
}

/** SandboxOptions with every default filled in. */
export type SandboxConfig = Required<Omit<SandboxOptions, 'dockerHost' | 'image' | 'limits'>> & {
  dockerHost: string | undefined;
  image: string | undefined;
  limits: SandboxLimits;
};

/** 256 MiB, 1 CPU, 128 processes, 64 MiB /tmp. */
export const DEFAULT_LIMITS: SandboxLimits = { memoryBytes: 256 * 1024 * 1024, nanoCpus: 1e9, pidsLimit: 128, tmpfsBytes: 64 * 1024 * 1024 };

/** Fills in defaults. */
export function resolveConfig(options: SandboxOptions): SandboxConfig {
  return {
    workspace: options.workspace,
    session: options.session,
    dockerHost: options.dockerHost,
    image: options.image,
    stateDir: options.stateDir ?? join(tmpdir(), 'aios-sandbox'),
    user: options.user ?? defaultUser(options.workspace),
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    outputCapBytes: options.outputCapBytes ?? 1024 * 1024,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 60_000,
    maxTimeoutMs: options.maxTimeoutMs ?? 600_000,
    poolSize: options.poolSize ?? 2,
    ignore: options.ignore ?? ['.git', '.aios'],
    hidden: options.hidden ?? ['.aios'],
    untouchable: options.untouchable ?? [],
    stagingQuotaBytes: options.stagingQuotaBytes ?? 1024 ** 3,
    collectTimeoutMs: options.collectTimeoutMs ?? 30_000,
    networkMode: options.networkMode ?? 'bridge',
    pingTimeoutMs: options.pingTimeoutMs ?? 3000,
    execMode: options.execMode ?? 'auto',
  };
}

/**
 * The workspace owner, so commands can edit the files they see (overlay keeps lower owners);
 * 1000:1000 when root owns the workspace (CI, containers), since sandboxes never run as root.
 */
export function defaultUser(workspace: string): string {
  try {
    const s = statSync(workspace);
    if (s.uid !== 0) return `${s.uid}:${s.gid}`;
  } catch {
    // a missing workspace fails later with a clearer message
  }
  return '1000:1000';
}

/** Parses `uid:gid`. */
export function parseUser(user: string): { uid: number; gid: number } {
  const [uid, gid] = user.split(':').map(Number);
  return { uid, gid: Number.isFinite(gid) ? gid : uid };
}

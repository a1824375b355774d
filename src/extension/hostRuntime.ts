/**
 * Which Node runs the kernel host. better-sqlite3 in the .vsix is built for one Node ABI
 * (dist/native.json says which). code-server's extension host is that Node, so the host runs on
 * it. VS Code desktop's extension host is Electron, with another ABI: then a Node with the right
 * ABI on PATH is used, or aios.nodePath. No `vscode` here.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { delimiter, join } from 'node:path';

/** What the packaged native module was built for (written by scripts/package.mjs). */
export interface NativeBuild {
  abi: string;
  node: string;
  platform: string;
  arch: string;
}

/** The runtime of the extension host. */
export interface OwnRuntime {
  abi: string;
  node: string;
  electron: string | null;
}

/** The chosen runtime: null execPath means the extension host's own (with ELECTRON_RUN_AS_NODE under Electron). */
export interface RuntimeChoice {
  execPath: string | null;
  why: string;
}

/** `probe(path)` returns the ABI of the Node at `path`, or null when it does not run. */
export function chooseHostRuntime(setting: string, own: OwnRuntime, build: NativeBuild | null, candidates: readonly string[], probe: (path: string) => string | null): RuntimeChoice {
  if (setting) return { execPath: setting, why: `aios.nodePath is set to ${setting}` };
  if (!build || build.abi === own.abi) {
    return { execPath: null, why: `the extension host's own Node ${own.node} (ABI ${own.abi})${build ? ', which the packaged better-sqlite3 was built for' : ''}` };
  }
  for (const path of candidates) {
    if (probe(path) === build.abi) {
      return { execPath: path, why: `the editor runs ${own.electron ? `Electron ${own.electron}` : `Node ${own.node}`} (ABI ${own.abi}) but the packaged better-sqlite3 is for ABI ${build.abi} (Node ${build.node}): using ${path}` };
    }
  }
  return {
    execPath: null,
    why: `the editor's runtime (ABI ${own.abi}) does not match the packaged better-sqlite3 (ABI ${build.abi}, Node ${build.node}) and no such Node is on PATH: set aios.nodePath`,
  };
}

/** Reads dist/native.json next to the host bundle; null in a development build. */
export function readNativeBuild(distDir: string): NativeBuild | null {
  try {
    return JSON.parse(readFileSync(join(distDir, 'native.json'), 'utf8')) as NativeBuild;
  } catch {
    return null;
  }
}

/** Executables named `node` on PATH, in PATH order. */
export function nodesOnPath(path = process.env['PATH'] ?? ''): string[] {
  const found: string[] = [];
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, process.platform === 'win32' ? 'node.exe' : 'node');
    try {
      accessSync(file, constants.X_OK);
      if (!found.includes(file)) found.push(file);
    } catch {
      // not there
    }
  }
  return found;
}

/** The ABI of the Node at `path` (runs it once, 3 s at most). */
export function probeNodeAbi(path: string): string | null {
  try {
    return execFileSync(path, ['-p', 'process.versions.modules'], { encoding: 'utf8', timeout: 3000, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }).trim();
  } catch {
    return null;
  }
}

/** A Node on PATH with the ABI an error says the native module needs ("built for ABI 115"), or null. */
export function fallbackForAbiError(message: string, candidates: readonly string[], probe: (path: string) => string | null): string | null {
  const abi = /built for ABI (\d+)/.exec(message)?.[1];
  if (!abi) return null;
  return candidates.find((path) => probe(path) === abi) ?? null;
}

/** Whether `pid` is an AIOS kernel host (dist/host.js), not the `aios` CLI or anything else. */
export function isKernelHostProcess(pid: number, readCmdline: (pid: number) => string | null = procCmdline): boolean {
  const cmdline = readCmdline(pid);
  return cmdline !== null && /[\\/]dist[\\/]host\.js(\0|$)/.test(cmdline);
}

function procCmdline(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return null;
  }
}

/** Stops another window's kernel host: SIGTERM (it closes its session), SIGKILL after `graceMs`. */
export async function stopKernelHost(pid: number, graceMs = 6000): Promise<boolean> {
  if (!isKernelHostProcess(pid)) return false;
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  process.kill(pid, 'SIGTERM');
  for (const deadline = Date.now() + graceMs; alive() && Date.now() < deadline; ) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
  for (const deadline = Date.now() + 2000; alive() && Date.now() < deadline; ) await sleep(50);
  return !alive();
}

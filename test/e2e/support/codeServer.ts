import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CODE_SERVER_BIN } from './paths';
import { PollAbort, pollUntil } from './poll';
import { freePort, killProcessTree, killProcessTreeNow } from './processes';

/** What {@link startCodeServer} needs; everything but the workspace has a default. */
export interface CodeServerOptions {
  /** Folder opened in the workbench. */
  workspace: string;
  /** Extensions folder (default: a new temporary one, removed by `stop()`). */
  extensionsDir?: string;
  /** User data folder: settings, logs, state (default: a new temporary one, removed by `stop()`). */
  userDataDir?: string;
  /** .vsix file(s) installed before the server starts. */
  vsix?: string | string[];
  /** User settings merged over {@link QUIET_SETTINGS}; written to `<userDataDir>/User/settings.json`. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server and so for its extension host. */
  env?: Record<string, string>;
  /** How long to wait for the HTTP server (default 60 s). */
  startTimeoutMs?: number;
}

/** A running code-server. */
export interface CodeServer {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  port: number;
  extensionsDir: string;
  /** Holds `logs/<session>/exthostN/remoteexthost.log`, worth reading when activation fails. */
  userDataDir: string;
  /** Ends the server and its extension hosts; removes the temporary folders it created. */
  stop(): Promise<void>;
  /** Everything the server printed so far (stdout and stderr interleaved). */
  logs(): string;
}

/** Settings that keep the workbench free of welcome pages, tips, prompts and network calls. */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
};

const execFileAsync = promisify(execFile);
const MAX_LOG_CHARS = 1_000_000;

/**
 * Starts code-server on a free loopback port with its own extensions and user data folders,
 * after installing `vsix` and writing settings, and resolves once HTTP answers.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const ownedDirs: string[] = [];
  const tempDir = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `aios-e2e-${name}-`));
    ownedDirs.push(dir);
    return dir;
  };
  const removeOwnedDirs = () => ownedDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  const extensionsDir = options.extensionsDir ?? tempDir('ext');
  const userDataDir = options.userDataDir ?? tempDir('user');
  try {
    mkdirSync(extensionsDir, { recursive: true });
    mkdirSync(join(userDataDir, 'User'), { recursive: true });
    const settings = { ...QUIET_SETTINGS, ...options.settings };
    writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(settings, null, 2));

    const env = serverEnv(options.env, userDataDir);
    // Its own config file, or code-server writes one with a password into ~/.config/code-server.
    const dirArgs = ['--config', join(userDataDir, 'config.yaml'), '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir];
    for (const vsix of [options.vsix ?? []].flat()) await installExtension(vsix, dirArgs, env);

    const serverArgs = (port: number) => [
      ...dirArgs, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-workspace-trust', '--disable-update-check',
      '--disable-getting-started-override', options.workspace,
    ];
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    // A port is free when picked but may be taken before code-server binds it: pick again.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      try {
        const server = await launch(serverArgs(port), port, env, timeoutMs);
        return { ...server, extensionsDir, userDataDir, stop: () => server.stop().finally(removeOwnedDirs) };
      } catch (err) {
        if (attempt >= 3 || !(err instanceof Error && err.message.includes('EADDRINUSE'))) throw err;
      }
    }
  } catch (err) {
    removeOwnedDirs();
    throw err;
  }
}

/** The test's environment, isolated from the developer's own code-server and VS Code. */
function serverEnv(extra: Record<string, string> | undefined, userDataDir: string): NodeJS.ProcessEnv {
  // code-server keeps a heartbeat and its own logs under $XDG_DATA_HOME/code-server whatever
  // --user-data-dir says: keep them in the test's folder, not in ~/.local/share.
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(userDataDir, 'xdg-data'), ...extra };
  for (const key of Object.keys(env)) {
    // Set when the tests run in a VS Code or code-server terminal: the CLI would talk to that one.
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  delete env.PORT; // code-server lets $PORT override --bind-addr
  return env;
}

async function installExtension(vsix: string, dirArgs: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    const args = [CODE_SERVER_BIN, ...dirArgs, '--force', '--install-extension', vsix];
    await execFileAsync(process.execPath, args, { env, timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`code-server --install-extension ${vsix} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

/** Spawns code-server and waits for HTTP; on failure the process tree is already gone. */
async function launch(args: string[], port: number, env: NodeJS.ProcessEnv, timeoutMs: number) {
  // process.execPath: the extension host runs on the Node that starts code-server, so it is the
  // tests' Node, the one the project's native modules were built for.
  // detached: its own process group, so stop() also ends the extension hosts it forks.
  const child = spawn(process.execPath, [CODE_SERVER_BIN, ...args], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-MAX_LOG_CHARS));
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = `exited with ${sig ?? code}`));
  child.on('error', (err) => (exited = `failed to start: ${err.message}`));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${process.execPath} ${CODE_SERVER_BIN}`);
  // If mocha dies without calling stop(), do not leave a server and extension hosts behind.
  const onExit = () => killProcessTreeNow(pid);
  process.once('exit', onExit);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    process.removeListener('exit', onExit);
    return (stopped ??= killProcessTree(pid));
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await pollUntil(
      async () => {
        if (exited) throw new PollAbort(`code-server ${exited} before answering on ${url}:\n${output}`);
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }); // any answer will do
        return true;
      },
      { timeoutMs, what: `code-server to answer on ${url}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, stop, logs: () => output };
}

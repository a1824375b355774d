/**
 * Starts the kernel host as a Node child process with an IPC channel (like a language client),
 * speaks JSON-RPC with it, restarts it with backoff when it dies (telling the developer once),
 * and stops it cleanly on deactivate.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as vscode from 'vscode';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { toHost, type InitializeParams, type InitializeResult } from '../protocol/hostMethods';
import { HostErrorCode } from '../protocol/errorCodes';
import { RestartPolicy } from './restartPolicy';
import { plural } from '../text/plural';

/** Where the host is in its life. */
export type HostStatus = 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

/** Error code of the host when its session cannot open (see host/kernelHost.ts); restarting will not help. */

/** What the supervisor needs from the extension. */
export interface HostSupervisorOptions {
  /** absolute path of dist/host.js */
  hostScript: string;
  log: vscode.LogOutputChannel;
  /** read at every start, so a restart picks up changed settings */
  initializeParams: () => Promise<InitializeParams>;
  /** the Node binary for the host; null for the extension host's own runtime */
  execPath: () => string | null;
  /** registers the extension's side of the protocol on a new connection */
  bind: (connection: MessageConnection) => vscode.Disposable[];
  /**
   * Another Node to try when the host could not start with this error (better-sqlite3 built for
   * another ABI); null when there is none. Tried once per start.
   */
  fallbackFor?: (error: string) => string | null;
  /**
   * Stops another kernel host of AIOS holding the database (another window's, e.g. a browser tab
   * closed without closing its window); resolves true once it is gone, false when it is not ours.
   */
  takeOver?: (pid: number) => Promise<boolean>;
}

/** How a start may recover from a refused session. */
export interface StartOptions {
  /** stop another window's kernel host on the same database (not on automatic restarts: two windows would take turns) */
  takeOver?: boolean;
}

/** A running host: its connection and what it said when it started. */
export interface RunningHost {
  connection: MessageConnection;
  info: InitializeResult;
  child: ChildProcess;
}

export class HostSupervisor implements vscode.Disposable {
  /** true once this window restarted a crashed host and told the developer (the kernel's own crash notice would repeat it) */
  restartedAfterCrash = false;
  private readonly statusEmitter = new vscode.EventEmitter<HostStatus>();
  /** fires on every status change; `running` means `current` is set */
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly policy = new RestartPolicy();
  private host: RunningHost | null = null;
  private child: ChildProcess | null = null;
  private connection: MessageConnection | null = null;
  private bindings: vscode.Disposable[] = [];
  private statusValue: HostStatus = 'stopped';
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private disposed = false;
  private generation = 0;
  /** set while retrying on a fallback runtime */
  private override: string | null = null;

  constructor(private readonly options: HostSupervisorOptions) {}

  get status(): HostStatus {
    return this.statusValue;
  }

  /** The running host, or null while starting, restarting or stopped. */
  get current(): RunningHost | null {
    return this.host;
  }

  /**
   * The running host; while it is starting or restarting, waits for it (up to `timeoutMs`).
   * Rejects with what to do when it is stopped, failed, or does not come up in time.
   */
  async whenRunning(timeoutMs = 20_000): Promise<RunningHost> {
    if (this.host) return this.host;
    const waitable = (s: HostStatus) => s === 'starting' || s === 'restarting';
    if (waitable(this.statusValue)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { sub.dispose(); resolve(); }, timeoutMs);
        const sub = this.onDidChangeStatus((s) => {
          if (waitable(s)) return;
          clearTimeout(timer);
          sub.dispose();
          resolve();
        });
      });
    }
    if (this.host) return this.host;
    throw new Error(`the kernel host is ${this.statusValue === 'failed' ? 'not running (it failed to start)' : this.statusValue}: see "AIOS: Show Log", then run "AIOS: Restart Kernel Host"`);
  }

  /** Starts the host if it is not running; resolves when it is running (or failed). */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.child) return;
    this.stopping = false;
    const gen = ++this.generation;
    this.setStatus(this.statusValue === 'restarting' ? 'restarting' : 'starting');
    const started = Date.now();
    const chosen = this.override ?? this.options.execPath();
    const execPath = chosen ?? process.execPath;
    let child: ChildProcess;
    try {
      // Under VS Code desktop process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it a plain Node.
      const env = { ...process.env, ...(chosen ? {} : { ELECTRON_RUN_AS_NODE: '1' }) };
      // Its own process group: an editor that kills the extension host's whole group on a window
      // reload (code-server does) must not take the kernel host down mid-close. The host still ends
      // with its extension host: it exits cleanly when the IPC channel closes (host/main.ts).
      child = fork(this.options.hostScript, [], { execPath, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env, detached: process.platform !== 'win32' });
    } catch (err) {
      this.fail(`Cannot start the AIOS kernel host with ${execPath}: ${(err as Error).message}. Check aios.nodePath.`);
      return;
    }
    this.child = child;
    const lines = (stream: NodeJS.ReadableStream | null, level: 'info' | 'warn') => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => this.say(level, `[host ${child.pid}] ${line}`));
    };
    lines(child.stderr, 'info');
    lines(child.stdout, 'info');
    child.on('error', (err) => {
      this.say('error', `kernel host process error: ${err.message}`);
      if (gen === this.generation && !this.host) this.fail(`Cannot start the AIOS kernel host with ${execPath}: ${err.message}. Check aios.nodePath.`);
    });
    child.on('exit', (code, signal) => this.exited(child, gen, code, signal));

    const connection = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    this.connection = connection;
    this.bindings = this.options.bind(connection);
    connection.onError(([err]) => this.options.log.warn(`kernel host connection: ${err.message}`));
    connection.listen();
    try {
      const info = await connection.sendRequest(toHost.initialize, await this.options.initializeParams());
      if (gen !== this.generation) return;
      this.host = { connection, info, child };
      this.options.log.info(`kernel host ${info.processId} ready in ${Date.now() - started} ms on ${info.runtime}: session ${info.session}, ${plural(info.restoredAgents, 'live agent')} restored`);
      this.setStatus('running');
    } catch (err) {
      if (gen !== this.generation) return;
      if (err instanceof ResponseError && err.code === HostErrorCode.cannotStart) {
        this.stopping = true; // this exit is expected
        this.kill(child);
        await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
        this.child = null;
        if (gen !== this.generation) return;
        const other = /another AIOS kernel \(process (\d+)\)/.exec(err.message);
        if (other && options.takeOver && (await this.options.takeOver?.(Number(other[1])))) {
          this.options.log.info(`took the database over from kernel host ${other[1]} (another window's)`);
          return this.start({ takeOver: false });
        }
        const fallback = this.override ? null : this.options.fallbackFor?.(err.message) ?? null;
        if (fallback) {
          this.options.log.warn(`${err.message}\nRetrying with ${fallback}, which has the ABI the module was built for.`);
          this.override = fallback;
          try {
            await this.start({ takeOver: options.takeOver });
          } finally {
            this.override = null;
          }
          return;
        }
        this.fail(other ? `${err.message} (another window?). Run "AIOS: Restart Kernel Host" here to move the kernel to this window.` : err.message);
      }
      // otherwise the process died during initialize: `exited` decides what happens
    }
  }

  /**
   * Stops the host gracefully (shutdown request, then disconnect, then SIGKILL after 3 s). A stop
   * inside a restart keeps the status "restarting" throughout, so nobody waiting for the host sees
   * a "running" status with no host behind it, or a "stopped" one in between.
   */
  async stop(options: { restarting?: boolean } = {}): Promise<void> {
    const settled: HostStatus = options.restarting ? 'restarting' : 'stopped';
    this.stopping = true;
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    const host = this.host;
    this.host = null;
    if (!child) {
      this.setStatus(settled);
      return;
    }
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    if (host) await withTimeout(host.connection.sendRequest(toHost.shutdown), 3000).catch(() => undefined);
    this.disposeConnection();
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => this.kill(child), 3000);
    await exited;
    clearTimeout(timer);
    this.child = null;
    this.setStatus(settled);
  }

  /** Stops and starts again (settings that need a new session, a new API key, or by hand). */
  async restart(reason: string): Promise<void> {
    this.options.log.info(`restarting the kernel host: ${reason}`);
    this.policy.reset();
    this.setStatus('restarting');
    await this.stop({ restarting: true });
    await this.start({ takeOver: true });
  }

  dispose(): void {
    // the log channel is disposed with the extension while the host is still saying goodbye
    this.disposed = true;
    void this.stop();
    this.statusEmitter.dispose();
  }

  /** Logs unless disposed: writing to a disposed channel throws in the extension host. */
  private say(level: 'info' | 'warn' | 'error', message: string): void {
    if (!this.disposed) this.options.log[level](message);
  }

  private exited(child: ChildProcess, gen: number, code: number | null, signal: NodeJS.Signals | null): void {
    this.say('info', `kernel host ${child.pid} exited (${signal ?? `code ${code}`})`);
    if (this.child !== child) return;
    this.child = null;
    this.host = null;
    this.disposeConnection();
    if (this.stopping || gen !== this.generation || this.statusValue === 'failed') return;
    if (code === 0 && !signal) {
      // A clean exit nobody here asked for: SIGTERM from outside, e.g. another window taking the
      // database over. Restarting would take it back; the developer decides.
      this.setStatus('stopped');
      void this.tell('warning', 'The AIOS kernel host was stopped from outside (another window may have taken over this folder\'s agents). Run "AIOS: Restart Kernel Host" to bring it back here.');
      return;
    }
    const decision = this.policy.crashed(Date.now());
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    if (decision.action === 'give_up') {
      this.setStatus('failed');
      if (decision.notify) void this.tell('error', `The AIOS kernel host ${how} and keeps stopping, so it is no longer restarted. See the log, then run "AIOS: Restart Kernel Host".`);
      return;
    }
    this.setStatus('restarting');
    this.restartedAfterCrash = true;
    if (decision.notify) void this.tell('warning', `The AIOS kernel host ${how}. It is being restarted; agents are restored from the database.`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.start();
    }, decision.delayMs);
  }

  private fail(message: string): void {
    this.options.log.error(message);
    this.setStatus('failed');
    void this.tell('error', message);
  }

  private async tell(level: 'warning' | 'error', message: string): Promise<void> {
    const show = level === 'error' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    if ((await show(message, 'Show Log')) === 'Show Log') this.options.log.show();
  }

  private kill(child: ChildProcess): void {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  private disposeConnection(): void {
    for (const d of this.bindings.splice(0).reverse()) d.dispose();
    this.connection?.dispose();
    this.connection = null;
  }

  private setStatus(status: HostStatus): void {
    if (this.statusValue === status) return;
    this.statusValue = status;
    this.statusEmitter.fire(status);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(t); resolve(v); }, (e: unknown) => { clearTimeout(t); reject(e); });
  });
}

/**
 * The kernel host process, forked by the extension with an IPC channel (like a language server).
 * It serves JSON-RPC on that channel and logs to stderr; it exits when the channel closes, so it
 * never outlives its extension host.
 */
import { createMessageConnection, IPCMessageReader, IPCMessageWriter } from 'vscode-jsonrpc/node';
import { createHostLog, pipeWriter } from './hostLog';
import { KernelHost } from './kernelHost';

function main(): void {
  // output nobody reads any more (the extension host ended first) is dropped, not an uncaught exception
  pipeWriter(process.stdout);
  const log = createHostLog();
  if (!process.send) {
    log('the kernel host must be started by the AIOS extension (child_process.fork with an IPC channel)');
    process.exit(2);
  }
  const connection = createMessageConnection(new IPCMessageReader(process), new IPCMessageWriter(process));
  const host = new KernelHost(connection, log);
  host.register();

  let exiting = false;
  const exit = (code: number, why: string) => {
    if (exiting) return;
    exiting = true;
    log(`exiting: ${why}`);
    // Give close() a moment to commit; a wedged close must not keep an orphan alive.
    const force = setTimeout(() => process.exit(code), 5000);
    force.unref();
    host.close().catch((err: Error) => log(`close failed: ${err.message}`)).finally(() => process.exit(code));
  };
  connection.onClose(() => exit(0, 'the extension closed the connection'));
  process.on('disconnect', () => exit(0, 'the extension went away'));
  process.on('SIGTERM', () => exit(0, 'SIGTERM'));
  process.on('uncaughtException', (err) => {
    log(`uncaught exception: ${err.stack ?? err.message}`);
    exit(1, 'uncaught exception');
  });
  process.on('unhandledRejection', (reason) => log(`unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`));
  connection.listen();
  log(`kernel host ${process.pid} listening (node ${process.version})`);
}

main();

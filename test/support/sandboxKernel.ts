/**
 * A stand-in kernel for the "containers outlive their kernel" test: opens a sandbox on the given
 * workspace and session, runs one command (a container is up), prints "ready", then waits to be
 * killed. Usage: node --import tsx sandboxKernel.ts WORKSPACE SESSION runner|api
 */
import { DockerSandbox } from '../../src/sandbox/sandbox';

async function main(): Promise<void> {
  const [workspace, session, execMode] = process.argv.slice(2);
  const sandbox = new DockerSandbox({ workspace, session, poolSize: 1, execMode: execMode as 'runner' | 'api' });
  const r = await sandbox.exec(1, 'echo up');
  if (r.stdout !== 'up\n') throw new Error(`unexpected: ${JSON.stringify(r)}`);
  await sandbox.poolSettled();
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1 << 30); // until killed
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});

/**
 * `npm run sandbox:image [-- --force]`: builds the default sandbox image offline (no registry):
 * busybox (static) with its applets, the host's node and the libraries `ldd` lists, a non-root
 * user 1000, /tmp and /workspace, imported into the engine as `aios-sandbox:<version>`.
 * Idempotent: skipped when an image with the same content label exists.
 */
import { connectEngine } from '../src/sandbox/engine';
import { buildSandboxImage } from '../src/sandbox/imageBuild';

/** Re-exported: tests and benchmarks import it from here. */
export { buildSandboxImage };

async function main(): Promise<void> {
  const engine = await connectEngine(process.env.AIOS_SANDBOX_DOCKER_HOST);
  const result = await buildSandboxImage(engine.docker, { force: process.argv.includes('--force'), log: (l) => console.log(l) });
  console.log(`${result.image} ${result.built ? 'built' : 'present'} (${result.ms} ms)`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`sandbox:image: ${(err as Error).message}`);
    process.exit(1);
  });
}

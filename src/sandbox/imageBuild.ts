/**
 * Builds AIOS's default sandbox image offline (no registry): busybox (static) with its applets,
 * the host's node and the libraries `ldd` lists, a non-root user 1000, /tmp and /workspace,
 * imported into the engine as `aios-sandbox:<version>`. Idempotent: skipped when an image with
 * the same content label exists. Used by `npm run sandbox:image` and the extension's
 * "AIOS: Build Sandbox Image" command (through the kernel host).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { CONTENT_LABEL, DEFAULT_SANDBOX_IMAGE, SANDBOX_IMAGE_VERSION } from './image';
import { followProgress } from './output';

const BUSYBOX = '/bin/busybox';
/** Bump to force a rebuild when this recipe changes. */
const RECIPE = '1';

/** What goes into the image, and the hash that names that content. */
interface Inputs {
  node: string;
  libs: string[];
  hash: string;
}

/** Builds (or finds) the default image; returns its name and whether it was built now. */
export async function buildSandboxImage(docker: Docker, options: { force?: boolean; log?: (line: string) => void } = {}): Promise<{ image: string; built: boolean; ms: number }> {
  const log = options.log ?? (() => {});
  const t0 = Date.now();
  const inputs = collectInputs();
  if (!options.force && (await existingContent(docker)) === inputs.hash) {
    log(`${DEFAULT_SANDBOX_IMAGE} is up to date (content ${inputs.hash.slice(0, 12)})`);
    return { image: DEFAULT_SANDBOX_IMAGE, built: false, ms: Date.now() - t0 };
  }
  const root = mkdtempSync(join(tmpdir(), 'aios-rootfs-'));
  try {
    log(`assembling root filesystem in ${root}`);
    assembleRootfs(root, inputs);
    log(`importing ${DEFAULT_SANDBOX_IMAGE}`);
    await importRootfs(docker, root, inputs.hash);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  log(`built ${DEFAULT_SANDBOX_IMAGE} in ${Date.now() - t0} ms`);
  return { image: DEFAULT_SANDBOX_IMAGE, built: true, ms: Date.now() - t0 };
}

function collectInputs(): Inputs {
  try {
    readFileSync(BUSYBOX, { flag: 'r' });
  } catch {
    throw new Error(`${BUSYBOX} not found: install busybox-static (apt-get install -y busybox-static, or run scripts/ensure-docker.sh)`);
  }
  const node = realpathSync(process.execPath);
  const libs = lddLibraries(node);
  const hash = createHash('sha256');
  hash.update(`${SANDBOX_IMAGE_VERSION}/${RECIPE}\n`);
  for (const file of [BUSYBOX, node, ...libs]) hash.update(file).update(readFileSync(file));
  return { node, libs, hash: hash.digest('hex') };
}

/** Absolute paths of the shared libraries a binary loads (ldd's `=> /path` and the loader line). */
function lddLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]);
  }
  return [...libs];
}

async function existingContent(docker: Docker): Promise<string | undefined> {
  try {
    const info = await docker.getImage(DEFAULT_SANDBOX_IMAGE).inspect();
    return info.Config?.Labels?.[CONTENT_LABEL];
  } catch {
    return undefined;
  }
}

function assembleRootfs(root: string, inputs: Inputs): void {
  const put = (dest: string, from: string, mode = 0o755) => {
    mkdirSync(dirname(join(root, dest)), { recursive: true });
    copyFileSync(from, join(root, dest)); // follows symlinks: the library's real bytes under the name ldd printed
    chmodSync(join(root, dest), mode);
  };
  put('bin/busybox', BUSYBOX);
  for (const applet of execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet === 'bin/busybox') continue;
    mkdirSync(dirname(join(root, applet)), { recursive: true });
    symlinkSync('/bin/busybox', join(root, applet));
  }
  put('usr/bin/node', inputs.node);
  for (const lib of inputs.libs) put(lib.slice(1), lib);
  for (const dir of ['tmp', 'workspace', 'root', 'etc', 'proc', 'sys', 'dev']) mkdirSync(join(root, dir), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'root'), 0o700);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/tmp:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nsandbox:*:19000:0:99999:7:::\n', { mode: 0o600 });
}

async function importRootfs(docker: Docker, root: string, hash: string): Promise<void> {
  // Owned by root throughout: the root filesystem is read-only at run time; HOME is the tmpfs /tmp.
  const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [name, tag] = DEFAULT_SANDBOX_IMAGE.split(':');
  const changes = [
    'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    'ENV HOME=/tmp',
    'WORKDIR /workspace',
    'USER 1000:1000',
    `LABEL ${CONTENT_LABEL}=${hash}`,
    'CMD ["sh"]',
  ];
  const stream = (await docker.importImage(tar.stdout as unknown as string, { repo: name, tag, changes } as object)) as NodeJS.ReadableStream;
  const messages = await followProgress<{ error?: string }>(docker.modem, stream);
  const error = messages.find((m) => m.error);
  if (error) throw new Error(`docker import failed: ${error.error}`);
}

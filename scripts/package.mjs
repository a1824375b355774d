#!/usr/bin/env node
// `npm run package`: production bundles, then `vsce package` → aios-<version>.vsix in the repo root.
// The bundles leave a few modules external (esbuild.mjs); they are copied to dist/node_modules,
// where Node finds them from dist/host.js, and vsce packs them with --no-dependencies (so a
// half-installed node_modules elsewhere in the tree cannot break packaging).
// The .vsix carries better-sqlite3's native binary as built by `npm install` on this machine:
// it loads in a kernel host running on the same Node ABI (code-server, or aios.nodePath on
// VS Code desktop). The script checks that the binary loads and prints which ABI it is for.
// Usage: node scripts/package.mjs [--out FILE]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg >= 0 ? process.argv[outArg + 1] : join(root, `${pkg.name}-${pkg.version}.vsix`));
const started = Date.now();
const step = (what) => console.log(`[package] ${what}`);

const binary = join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
if (!existsSync(binary)) {
  console.error(`[package] ${binary} is missing: run \`npm ci\` (better-sqlite3 builds it from source) and try again`);
  process.exit(1);
}
try {
  const Database = createRequire(join(root, 'package.json'))('better-sqlite3');
  new Database(':memory:').close();
} catch (err) {
  console.error(`[package] better-sqlite3 does not load on ${process.version}: ${err.message}\nRebuild it with \`npm rebuild better-sqlite3\` and try again.`);
  process.exit(1);
}

step('bundling (production)');
execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });

// Runtime modules the host bundle requires, and which of their files run (no sources, no build junk).
const RUNTIME_MODULES = {
  'better-sqlite3': (f) => f === 'package.json' || f.startsWith('lib/') || f === 'build/Release/better_sqlite3.node',
  bindings: () => true,
  'file-uri-to-path': () => true,
  ssh2: (f) => f === 'package.json' || /^lib\/([^/]+|protocol\/[^/]+)\.js$/.test(f) || f === 'lib/protocol/crypto/poly1305.js' || f === 'lib/protocol/crypto/build/Release/sshcrypto.node',
  asn1: () => true,
  'safer-buffer': () => true,
  'bcrypt-pbkdf': () => true,
  tweetnacl: () => true,
};
const shipped = join(root, 'dist', 'node_modules');
rmSync(shipped, { recursive: true, force: true });
for (const [name, keep] of Object.entries(RUNTIME_MODULES)) {
  const from = join(root, 'node_modules', name);
  if (!existsSync(join(from, 'package.json'))) {
    console.error(`[package] ${from} is missing: run \`npm ci\` and try again`);
    process.exit(1);
  }
  for (const rel of listFiles(from)) {
    if (rel.split('/').includes('node_modules') || !keep(rel)) continue;
    mkdirSync(dirname(join(shipped, name, rel)), { recursive: true });
    cpSync(join(from, rel), join(shipped, name, rel));
  }
}
step(`copied ${Object.keys(RUNTIME_MODULES).length} runtime modules to dist/node_modules`);

// Which binary the .vsix carries: the extension reads it to pick a Node with the same ABI.
const native = { module: 'better-sqlite3', abi: process.versions.modules, node: process.version, platform: process.platform, arch: process.arch };
writeFileSync(join(root, 'dist', 'native.json'), `${JSON.stringify(native, null, 2)}\n`);

step(`vsce package → ${out}`);
mkdirSync(dirname(out), { recursive: true });
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
// The extension's own README (the repository's links to docs/ would need a repository URL).
const args = [vsce, 'package', '--no-dependencies', '--readme-path', 'media/README.md', '--out', out, '--allow-missing-repository'];
if (!existsSync(join(root, 'LICENSE'))) args.push('--skip-license');
execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

const size = (statSync(out).size / 1024 / 1024).toFixed(1);
step(`${out}: ${size} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
step(`native module: better-sqlite3 for Node ABI ${process.versions.modules} (${process.version}, ${process.platform}-${process.arch}).`);
step('It loads where the kernel host runs on that ABI: code-server on this Node; on VS Code desktop the extension runs the host on a matching node from PATH or aios.nodePath (docs/extension.md).');

/** Files under `dir`, relative, with forward slashes. */
function listFiles(dir, prefix = '') {
  const out = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

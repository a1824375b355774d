// Bundles the extension, the kernel host, the CLI (Node, CommonJS) and the dashboard webview
// (browser). Type-checking is separate: `npm run check`.
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// better-sqlite3 ships a native binary and stays a real dependency; vscode is provided at run time.
const nodeExternal = ['vscode', 'better-sqlite3', 'cpu-features', 'ssh2'];

const targets = [
  { entry: 'src/extension/extension.ts', out: 'dist/extension.js', platform: 'node' },
  { entry: 'src/host/main.ts', out: 'dist/host.js', platform: 'node' },
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', platform: 'node', banner: '#!/usr/bin/env node' },
  { entry: 'src/webview/main.ts', out: 'dist/webview.js', platform: 'browser' },
  { entry: 'src/webview/transcript/main.ts', out: 'dist/transcript.js', platform: 'browser' },
].filter((t) => existsSync(t.entry));

const contexts = await Promise.all(targets.map((t) => esbuild.context({
  entryPoints: [t.entry],
  outfile: t.out,
  bundle: true,
  platform: t.platform,
  format: t.platform === 'node' ? 'cjs' : 'iife',
  target: t.platform === 'node' ? 'node20' : 'es2022',
  external: t.platform === 'node' ? nodeExternal : [],
  sourcemap: !production,
  minify: production,
  banner: t.banner ? { js: t.banner } : undefined,
  logLevel: 'warning',
})));

if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`watching ${targets.length} bundles`);
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  console.log(`built ${targets.map((t) => t.out).join(', ')}`);
}

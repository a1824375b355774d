#!/usr/bin/env node
// `npm run lint [-- eslint args]`: ESLint with typescript-eslint (typed rules) over the whole tree.
// ESLint lives in lint/, a package of its own with its own lock file: typescript-eslint 8 needs the
// JavaScript TypeScript compiler (<6.1), while the project builds with the native TypeScript 7.
// This installs lint/node_modules when it is missing or older than lint/package-lock.json (so a
// fresh clone and CI need no extra step), then runs ESLint with the baseline of known findings
// (lint/eslint-suppressions.json): a new finding fails, and so does a baselined one that was fixed
// until `npm run lint -- --prune-suppressions` shrinks the baseline.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const lintDir = join(root, 'lint');
const lock = readFileSync(join(lintDir, 'package-lock.json'));
const lockHash = createHash('sha256').update(lock).digest('hex');
const stamp = join(lintDir, 'node_modules', '.aios-lock-sha256');
const eslintBin = join(lintDir, 'node_modules', 'eslint', 'bin', 'eslint.js');

if (!existsSync(eslintBin) || !existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== lockHash) {
  console.log('[lint] installing the lint tools into lint/node_modules (npm ci --prefix lint)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--prefix', lintDir, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('[lint] `npm ci --prefix lint` failed (see above): check the network to the npm registry, then run `npm run lint` again');
    process.exit(r.status ?? 1);
  }
  writeFileSync(stamp, `${lockHash}\n`);
}

// Extra arguments go to ESLint; without a file or folder among them it lints the whole tree.
const args = process.argv.slice(2);
const namesPath = args.some((a) => !a.startsWith('-') && existsSync(resolve(root, a)));
const r = spawnSync(process.execPath, [
  eslintBin, '--suppressions-location', join(lintDir, 'eslint-suppressions.json'), ...args, ...(namesPath ? [] : ['.']),
], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);

import { join, resolve } from 'node:path';

/** The repository's root folder. */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** Where scripts/ensure-e2e.sh installs code-server (AIOS_TOOLS_DIR moves it, as in the script). */
export const CODE_SERVER_DIR = join(process.env.AIOS_TOOLS_DIR ?? join(REPO_ROOT, '.tools'), 'code-server');

/** code-server's entry script; run with the Node that runs the tests. */
export const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');

/** Written by scripts/ensure-e2e.sh only when the whole install succeeded. */
export const CODE_SERVER_MARKER = join(CODE_SERVER_DIR, '.installed');

/** Debian's Chromium (package `chromium`); AIOS_CHROMIUM points elsewhere. */
export const CHROMIUM_BIN = process.env.AIOS_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots, packaged fixtures and logs of the e2e tests (git-ignored). */
export const E2E_OUTPUT_DIR = join(REPO_ROOT, '.test-output', 'e2e');

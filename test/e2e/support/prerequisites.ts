import { existsSync } from 'node:fs';
import { CHROMIUM_BIN, CODE_SERVER_BIN, CODE_SERVER_MARKER } from './paths';

/** What the e2e tests need that is not on this machine, as sentences that say how to fix it. */
export function missingE2ePrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(CODE_SERVER_MARKER) || !existsSync(CODE_SERVER_BIN)) {
    missing.push(`code-server is not installed (no ${CODE_SERVER_MARKER}): run scripts/ensure-e2e.sh`);
  }
  // code-server 4.100.x and the native modules ensure-e2e.sh built for it need Node 20.
  if (process.versions.node.split('.')[0] !== '20') missing.push(`code-server needs Node 20; these tests run on ${process.version}`);
  if (!existsSync(CHROMIUM_BIN)) missing.push(`Chromium not found at ${CHROMIUM_BIN}: run scripts/ensure-e2e.sh (apt package chromium)`);
  return missing;
}

/**
 * Call from a mocha `before` hook: with everything installed it returns; otherwise it fails the
 * suite when CI=true (a green CI must not hide a missing install step) and skips it elsewhere.
 */
export function requireE2ePrerequisites(context: Mocha.Context): void {
  const missing = missingE2ePrerequisites();
  if (missing.length === 0) return;
  const reason = `end-to-end prerequisites missing:\n  - ${missing.join('\n  - ')}`;
  if (process.env.CI === 'true') throw new Error(reason);
  console.log(`  skipped: ${reason}`);
  context.skip();
}

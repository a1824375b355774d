/**
 * better-sqlite3 is a native module built for one Node ABI. When the host runs on another
 * (VS Code desktop forks the extension host's Electron), say what to do instead of a raw
 * NODE_MODULE_VERSION message.
 */

/** The runtime the host runs on, for messages and the initialize result. */
export function describeRuntime(versions: NodeJS.ProcessVersions = process.versions): string {
  const electron = versions['electron'];
  return `${electron ? `Electron ${electron}, ` : ''}Node v${versions.node} (ABI ${versions.modules})`;
}

/** A clearer error when `err` is an ABI mismatch loading better-sqlite3; `err` itself otherwise. */
export function explainNativeModuleError(err: unknown, versions: NodeJS.ProcessVersions = process.versions): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const mismatch = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(error.message);
  if (!mismatch && !/better_sqlite3\.node|invalid ELF header|wrong ELF class/.test(error.message)) return error;
  const built = mismatch ? `ABI ${mismatch[1]}` : 'another platform';
  return new Error(
    `The kernel host cannot load better-sqlite3: it was built for ${built}, but the host runs on ${describeRuntime(versions)}. ` +
      'Set aios.nodePath to a Node 20 binary (e.g. /usr/bin/node) so the host runs on the Node the package was built for, ' +
      'or rebuild better-sqlite3 for your editor with `npx @electron/rebuild -v <Electron version> -w better-sqlite3` in the extension folder. ' +
      `(${error.message.split('\n')[0]})`,
  );
}

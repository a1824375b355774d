/** The host's log: one line per message on stderr, which the extension copies to its log channel. */

/** Anthropic keys and bearer tokens never reach a log, even inside an error message. */
export function redactSecrets(text: string): string {
  return text
    .replace(/sk-ant-[A-Za-z0-9_-]+/g, 'sk-ant-…(redacted)')
    .replace(/(x-api-key|authorization)(["']?\s*[:=]\s*["']?)(Bearer\s+)?[^\s"',}]+/gi, '$1$2$3…(redacted)');
}

/** A logger writing `[host] message` lines to `write` (stderr by default). */
export function createHostLog(write: (text: string) => void = pipeWriter(process.stderr)): (line: string) => void {
  return (line) => write(`${redactSecrets(line)}\n`);
}

/**
 * Writes to an output pipe until it breaks, then drops the text. The extension host reads the
 * host's stdout and stderr; when it ends first (code-server does on a browser reload) every write
 * fails with EPIPE. Unhandled, each failure is an uncaught exception whose log line fails again:
 * an endless storm that starved the host's timers while it closed, so it was force-exited before
 * it wrote `kernel.stopped` and the next window reported a crash.
 */
export function pipeWriter(stream: NodeJS.WritableStream & { destroyed?: boolean }): (text: string) => void {
  let broken = false;
  stream.on('error', () => {
    broken = true;
  });
  return (text) => {
    if (!broken && !stream.destroyed) stream.write(text);
  };
}

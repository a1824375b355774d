/** The host's log: one line per message on stderr, which the extension copies to its log channel. */

/** Anthropic keys and bearer tokens never reach a log, even inside an error message. */
export function redactSecrets(text: string): string {
  return text
    .replace(/sk-ant-[A-Za-z0-9_-]+/g, 'sk-ant-…(redacted)')
    .replace(/(x-api-key|authorization)(["']?\s*[:=]\s*["']?)(Bearer\s+)?[^\s"',}]+/gi, '$1$2$3…(redacted)');
}

/** A logger writing `[host] message` lines to `write` (stderr by default). */
export function createHostLog(write: (text: string) => void = (t) => void process.stderr.write(t)): (line: string) => void {
  return (line) => write(`${redactSecrets(line)}\n`);
}

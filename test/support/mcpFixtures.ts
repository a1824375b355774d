/** The MCP reference servers from npm (pinned devDependencies) and our own misbehaving one, as commands. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');

function bin(pkg: string): string {
  const path = join(root, 'node_modules', '@modelcontextprotocol', pkg, 'dist', 'index.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run npm ci (it is a pinned devDependency)`);
  return path;
}

/** `@modelcontextprotocol/server-everything` over stdio. */
export function everythingServer(): { command: string; args: string[] } {
  return { command: process.execPath, args: [bin('server-everything'), 'stdio'] };
}

/** `@modelcontextprotocol/server-filesystem` on one folder. */
export function filesystemServer(dir: string): { command: string; args: string[] } {
  return { command: process.execPath, args: [bin('server-filesystem'), dir] };
}

/** Our own server that never answers (`silent`) or never answers tools/call (`hang`). */
export function stuckServer(mode: 'silent' | 'hang'): { command: string; args: string[] } {
  return { command: process.execPath, args: [join(root, 'test', 'support', 'mcpStuckServer.mjs'), mode] };
}

/** server-everything over HTTP (`streamableHttp` or `sse`) on a free port; resolves once it listens. */
export async function everythingHttp(transport: 'streamableHttp' | 'sse'): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child: ChildProcess = spawn(process.execPath, [bin('server-everything'), transport], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server-everything ${transport} did not listen within 20 s`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => { if (/listening|running on port/i.test(d.toString())) { clearTimeout(timer); ok(); } });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`server-everything ${transport} exited with ${code}`)); });
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  return {
    url: `http://127.0.0.1:${port}/${transport === 'sse' ? 'sse' : 'mcp'}`,
    stop: async () => { child.kill('SIGTERM'); await exited; },
  };
}

/** Waits until `check` holds, polling every 20 ms, or fails with `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

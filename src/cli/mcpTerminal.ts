/**
 * The developer's side of MCP on a terminal: approving a workspace server's command line, typing
 * an input (`${input:ID}`), and where those prompts go when stdout is taken (`aios mcp serve`
 * speaks MCP on stdout, so it asks on the controlling terminal, /dev/tty).
 */
import { openSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { ReadStream, WriteStream } from 'node:tty';
import type { McpManagerOptions } from '../mcp/manager';
import { LaunchMemoryFile, RememberingLaunchApprover, type LaunchRequest } from '../mcp/launch';
import type { McpInputSpec } from '../mcp/config';
import { escapeControl } from '../text/displayText';

/** A terminal to ask on. */
export interface Terminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  close(): void;
}

/** stdin/stderr when stdin is a terminal (stdout may be piped), else null. */
export function stdioTerminal(): Terminal | null {
  return process.stdin.isTTY ? { input: process.stdin, output: process.stderr, close: () => undefined } : null;
}

/** The controlling terminal (/dev/tty), for when stdin/stdout carry a protocol; null without one. */
export function controllingTerminal(): Terminal | null {
  try {
    const input = new ReadStream(openSync('/dev/tty', 'r'));
    const output = new WriteStream(openSync('/dev/tty', 'w'));
    return { input, output, close: () => { input.destroy(); output.destroy(); } };
  } catch {
    return null;
  }
}

/** How MCP launch approvals and inputs are answered from a command. */
export function terminalMcpOptions(terminal: Terminal | null, yes: boolean, note: (line: string) => void): Pick<McpManagerOptions, 'trusted' | 'launch' | 'ask'> {
  const ask = async (r: LaunchRequest): Promise<boolean> => {
    if (yes) { note(`starting MCP server '${r.server}' from ${r.file} (--yes)`); return true; }
    if (!terminal) {
      note(`MCP server '${r.server}' from ${r.file} was not started: starting a workspace server needs your approval on a terminal (or --yes)`);
      return false;
    }
    terminal.output.write(`\nMCP server '${escapeControl(r.server)}' from ${escapeControl(r.file)} wants to start on this machine, with your rights:\n  ${escapeControl(r.commandLine)}\n`);
    const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
    try {
      for (;;) {
        const a = (await rl.question('Start it? [y]es (remembered for this workspace until the line changes) / [n]o: ')).trim().toLowerCase();
        if (a === 'y' || a === 'yes') return true;
        if (a === 'n' || a === 'no' || a === '') return false;
      }
    } finally {
      rl.close();
    }
  };
  const input = async (spec: McpInputSpec): Promise<string | null> => {
    if (!terminal) return process.env[`AIOS_MCP_INPUT_${spec.id.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}`] ?? null;
    const rl = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
    try {
      const value = await rl.question(`MCP input '${escapeControl(spec.id)}' (${escapeControl(spec.description)})${spec.password ? ' [shown as you type]' : ''}: `);
      return value === '' ? null : value;
    } finally {
      rl.close();
    }
  };
  // The CLI runs where the developer told it to: that folder is trusted; its stdio servers still ask.
  return { trusted: true, launch: new RememberingLaunchApprover(new LaunchMemoryFile(), ask), ask: input };
}

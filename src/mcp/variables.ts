/**
 * `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and `${input:ID}` in MCP configuration, as
 * VS Code substitutes them. Inputs are asked once per session (the caller caches answers).
 */
import { homedir } from 'node:os';
import { sep } from 'node:path';
import type { McpInputSpec, McpTransportConfig } from './config';

/** Asks the developer for an input value (a prompt, an input box); null when they gave none. */
export type InputResolver = (spec: McpInputSpec) => Promise<string | null>;

/** What substitution needs. */
export interface VariableContext {
  workspace: string;
  env: NodeJS.ProcessEnv;
  inputs: McpInputSpec[];
  ask: InputResolver;
}

const VARIABLE = /\$\{([^}]+)\}/g;

/** The transport with every variable substituted; throws with what is missing and how to fix it. */
export async function resolveTransport(t: McpTransportConfig, server: string, ctx: VariableContext): Promise<McpTransportConfig> {
  const answers = new Map<string, string>();
  const one = async (text: string): Promise<string> => {
    for (const m of text.matchAll(VARIABLE)) {
      const id = m[1]!.startsWith('input:') ? m[1]!.slice(6) : null;
      if (id === null || answers.has(id)) continue;
      const spec = ctx.inputs.find((i) => i.id === id);
      if (!spec) throw new Error(`MCP server '${server}' uses \${input:${id}}, but no input '${id}' is declared in "inputs": add it or write the value`);
      const value = await ctx.ask(spec);
      if (value === null) throw new Error(`MCP server '${server}' needs the input '${id}' (${spec.description}) and none was given: restart the server to be asked again`);
      answers.set(id, value);
    }
    return text.replace(VARIABLE, (_all, name: string) => substitute(name, server, ctx, answers));
  };
  // one value at a time: an input used twice is asked once
  const map = async (m: Record<string, string>) => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) out[k] = await one(v);
    return out;
  };
  if (t.kind === 'stdio') {
    const args: string[] = [];
    for (const a of t.args) args.push(await one(a));
    return { kind: 'stdio', command: await one(t.command), args, env: await map(t.env), cwd: t.cwd === null ? null : await one(t.cwd) };
  }
  return { kind: t.kind, url: await one(t.url), headers: await map(t.headers) };
}

function substitute(name: string, server: string, ctx: VariableContext, answers: Map<string, string>): string {
  if (name === 'workspaceFolder' || name === 'workspaceRoot') return ctx.workspace;
  if (name === 'userHome') return homedir();
  if (name === 'pathSeparator' || name === '/') return sep;
  if (name.startsWith('env:')) return ctx.env[name.slice(4)] ?? '';
  if (name.startsWith('input:')) return answers.get(name.slice(6)) ?? '';
  throw new Error(`MCP server '${server}' uses the unknown variable \${${name}}: use \${workspaceFolder}, \${userHome}, \${env:NAME} or \${input:ID}`);
}

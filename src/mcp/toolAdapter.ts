/**
 * An MCP server's tool as a kernel tool: a name within the 64-character limit, risk and
 * capabilities from the tool's annotations, its input schema, and results turned into text the
 * model can read. The call itself goes through the kernel's tool path like any built-in tool.
 */
import { createHash } from 'node:crypto';
import type { Capability, Risk } from '../kernel/types';
import type { Tool, ToolOutcome } from '../kernel/ports/tools';
import { formatBytes } from '../text/bytes';
import { valueText } from '../text/valueText';

/** The part of an MCP `Tool` we use (the SDK's type, narrowed to plain JSON). */
export interface McpToolInfo {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; openWorldHint?: boolean; title?: string };
}

/** Calls a tool on its server (the manager's connection). */
export type McpCall = (tool: string, input: Record<string, unknown>, signal: AbortSignal) => Promise<ToolOutcome>;

const MAX_NAME = 64;
const SEP = '__';
// Model-bound output: a server that returns megabytes must not blow the context window.
const MAX_RESULT_CHARS = 64_000;
const MAX_DESCRIPTION_CHARS = 1_000;

/** `<server>__<tool>`, sanitized to `[A-Za-z0-9_-]`, at most 64 characters (a hash keeps long names apart). */
export function kernelToolName(server: string, tool: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
  const full = `${clean(server)}${SEP}${clean(tool)}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
}

/** Risk from annotations: read-only low, destructive high, otherwise medium (the MCP hints are the server's claim). */
export function riskOf(info: McpToolInfo): Risk {
  if (info.annotations?.readOnlyHint === true) return 'low';
  if (info.annotations?.destructiveHint === true) return 'high';
  return 'medium';
}

/** `openWorldHint` (the tool reaches outside the machine) needs the `net` capability. */
export function capabilitiesOf(info: McpToolInfo): Capability[] {
  return info.annotations?.openWorldHint === true ? ['net'] : [];
}

/**
 * The input schema as the registry compiles it: `$schema` / `$id` dropped (servers declare draft-07
 * or 2020-12; the registry validates with its own draft), and `type: object` guaranteed.
 */
export function kernelSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return { ...rest, type: 'object' };
}

/** The kernel tool for one server tool. */
export function adaptTool(server: string, info: McpToolInfo, call: McpCall): Tool {
  const name = kernelToolName(server, info.name);
  const described = (info.description ?? info.title ?? info.annotations?.title ?? '').trim().slice(0, MAX_DESCRIPTION_CHARS);
  return {
    name,
    description: `[MCP server ${server}] ${described || info.name}`,
    inputSchema: kernelSchema(info.inputSchema),
    risk: riskOf(info),
    capabilities: capabilitiesOf(info),
    prepare: async (input, context) => {
      const args = (input ?? {}) as Record<string, unknown>;
      return {
        subject: { kind: 'tool', summary: `${info.name} on MCP server ${server}${summarize(args)}`, input: args },
        run: () => call(info.name, args, context.signal),
      };
    },
  };
}

function summarize(args: Record<string, unknown>): string {
  const text = JSON.stringify(args);
  if (text === '{}') return '';
  return `: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`;
}

/** A content block of a tool result (the SDK's union, as plain data). */
type Block = Record<string, unknown> & { type: string };

/** A `tools/call` result as one text for the model: text as is, links and resources described, images as placeholders. */
export function resultText(result: { content?: unknown; structuredContent?: unknown; isError?: unknown }): ToolOutcome {
  const blocks = Array.isArray(result.content) ? (result.content as Block[]) : [];
  const parts = blocks.map(describeBlock);
  if (parts.length === 0 && result.structuredContent !== undefined) parts.push(JSON.stringify(result.structuredContent));
  let content = parts.join('\n');
  if (content.length > MAX_RESULT_CHARS) {
    content = `${content.slice(0, MAX_RESULT_CHARS)}\n[… ${content.length - MAX_RESULT_CHARS} more characters cut: ask for less, e.g. a range or a filter]`;
  }
  return { content: content || '(the tool returned no content)', isError: result.isError === true };
}

function describeBlock(b: Block): string {
  switch (b.type) {
    case 'text':
      return valueText(b.text ?? '');
    case 'image':
    case 'audio':
      return `[${b.type} (${b.mimeType === undefined ? 'unknown type' : valueText(b.mimeType)}, ${approxBytes(b.data)}) returned by the tool; it is not shown to you]`;
    case 'resource_link':
      return `[resource link: ${valueText(b.name ?? b.uri)} <${valueText(b.uri)}>${b.mimeType ? ` (${valueText(b.mimeType)})` : ''}${b.description ? ` — ${valueText(b.description)}` : ''}]`;
    case 'resource': {
      const r = (b.resource ?? {}) as Record<string, unknown>;
      const head = `[resource <${valueText(r.uri)}>${r.mimeType ? ` (${valueText(r.mimeType)})` : ''}]`;
      if (typeof r.text === 'string') return `${head}\n${r.text}`;
      return `${head} binary, ${approxBytes(r.blob)}; not shown to you`;
    }
    default:
      return `[a '${b.type}' block the kernel does not show]`;
  }
}

function approxBytes(base64: unknown): string {
  if (typeof base64 !== 'string') return 'size unknown';
  const bytes = Math.floor((base64.length * 3) / 4);
  return formatBytes(bytes);
}

/**
 * The tool registry: the set of tools the kernel can offer to agents, and the schema check every
 * call goes through before the tool sees its input (the one validator and message of
 * kernel/ports/toolInput.ts, for built-in and MCP tools alike).
 */
import type { ValidateFunction } from 'ajv';
import { checkInput, inputValidator } from '../kernel/ports/toolInput';
import type { Tool, ToolCatalog, ToolSpec, ToolValidation } from '../kernel/ports/tools';
import type { Disposable } from '../kernel/types';

// Tool names end up in LLM tool declarations; this is the shape the Anthropic API accepts.
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

interface Entry {
  tool: Tool;
  validateInput: ValidateFunction;
}

/** Holds the registered tools and validates call inputs against their JSON schemas. */
export class ToolRegistry implements ToolCatalog {
  private readonly tools = new Map<string, Entry>();

  /** Adds a tool; throws if the name is taken or invalid or the schema doesn't compile. Dispose to remove it. */
  register(tool: Tool): Disposable {
    if (!TOOL_NAME.test(tool.name)) {
      throw new Error(`cannot register tool '${tool.name}': names must be 1-64 letters, digits, '_' or '-'`);
    }
    if (this.tools.has(tool.name)) {
      throw new Error(`cannot register tool '${tool.name}': a tool with that name is already registered`);
    }
    if (tool.inputSchema.type !== 'object') {
      throw new Error(`cannot register tool '${tool.name}': its input schema must have type 'object'`);
    }
    let validateInput: ValidateFunction;
    try {
      validateInput = inputValidator(tool.inputSchema);
    } catch (err) {
      throw new Error(`cannot register tool '${tool.name}': its input schema does not compile: ${(err as Error).message}`, { cause: err });
    }
    const entry: Entry = { tool, validateInput };
    this.tools.set(tool.name, entry);
    return {
      dispose: () => {
        // Only remove what this registration added: the name may have been re-registered since.
        if (this.tools.get(tool.name) === entry) this.tools.delete(tool.name);
      },
    };
  }

  /** The tool with this name, if registered. */
  get(name: string): Tool | undefined {
    return this.tools.get(name)?.tool;
  }

  /** Declarations of all registered tools, sorted by name (a stable order keeps the prompt prefix cacheable). */
  list(): ToolSpec[] {
    return [...this.tools.values()]
      .map(({ tool }) => ({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        risk: tool.risk,
        capabilities: [...tool.capabilities],
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Checks a call's input against the tool's schema; the error text is written for the model to fix its call. */
  validate(name: string, input: unknown): ToolValidation {
    const entry = this.tools.get(name);
    if (!entry) {
      const available = [...this.tools.keys()].sort().join(', ') || '(none)';
      return { ok: false, error: `unknown tool '${name}'; available tools: ${available}` };
    }
    const checked = checkInput(name, entry.validateInput, input);
    return checked.ok ? { ok: true, tool: entry.tool, input } : checked;
  }
}

/** What the Spawn Agent and Route Task prompts offer and accept. Plain logic, no `vscode`. */
import type { CapabilityName } from '../protocol/hostTypes';

/** A role an agent can be spawned with, and what it may do by default. */
export interface RolePreset {
  role: string;
  description: string;
  capabilities: CapabilityName[];
}

export const ROLES: readonly RolePreset[] = [
  { role: 'coder', description: 'reads, edits and runs code (fs.read, fs.write, exec)', capabilities: ['fs.read', 'fs.write', 'exec'] },
  { role: 'reviewer', description: 'reads and comments; changes nothing (fs.read)', capabilities: ['fs.read'] },
  { role: 'tester', description: 'runs the tests in the sandbox (fs.read, exec)', capabilities: ['fs.read', 'exec'] },
  { role: 'writer', description: 'writes docs and notes (fs.read, fs.write)', capabilities: ['fs.read', 'fs.write'] },
];

export function roleCapabilities(role: string): CapabilityName[] {
  return [...(ROLES.find((r) => r.role === role)?.capabilities ?? ['fs.read', 'fs.write'])];
}

/** null when valid, else the message shown under the input box. */
export function validateTask(text: string): string | null {
  if (!text.trim()) return 'Describe the task, e.g. "Fix the greeting for an empty name in src/greet.js"';
  if (text.length > 8000) return `The task is ${text.length} characters; keep it under 8,000`;
  return null;
}

export function validatePriority(text: string): string | null {
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n > 99) return 'Priority is a whole number from 0 (most urgent) to 99';
  return null;
}

export function validateRole(text: string): string | null {
  return /^[a-z][a-z0-9_-]{0,31}$/i.test(text.trim()) ? null : 'A role is one word: letters, digits, - or _ (e.g. coder)';
}

/** A token budget: a positive whole number, or 0 for unlimited. */
export function validateTokenBudget(text: string): string | null {
  const t = text.trim().replace(/[,_]/g, '');
  return /^\d+$/.test(t) && Number(t) <= 1e9 ? null : 'Tokens: a whole number (0 = unlimited), at most 1,000,000,000';
}

export function parseTokenBudget(text: string): number | null {
  const n = Number(text.trim().replace(/[,_]/g, ''));
  return n === 0 ? null : n;
}

export function validateModel(text: string): string | null {
  const t = text.trim();
  if (!t) return 'Give a model spec: claude-sonnet-4-5, openai:gpt-4.1, openrouter:anthropic/claude-sonnet-4.5, ollama:qwen3:8b, vscode-lm:copilot/gpt-4o, or scripted:PATH';
  if (t.startsWith('scripted:') && !t.slice('scripted:'.length).trim()) return 'scripted: needs the path of a script, e.g. scripted:.aios/scripts/coder.json';
  return null;
}

/** Claude models offered in the picker (any id can be typed). */
export const CLAUDE_MODELS: readonly string[] = ['claude-sonnet-4-5', 'claude-opus-4-1', 'claude-haiku-4-5'];

/**
 * The model a new agent gets when the developer does not choose: the setting; else Claude with
 * an API key; else the workspace script named after the role (`.aios/scripts/<role>.json`), or
 * the extension's built-in script, which only looks around and says what it is.
 */
export function defaultModel(options: { setting: string; hasApiKey: boolean; role: string; scripts: readonly string[]; builtinScript: string }): string {
  if (options.setting) return options.setting;
  if (options.hasApiKey) return CLAUDE_MODELS[0]!;
  const byRole = options.scripts.find((s) => s.endsWith(`/${options.role}.json`) || s === `${options.role}.json`);
  return `scripted:${byRole ?? options.builtinScript}`;
}

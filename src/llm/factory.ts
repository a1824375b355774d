/**
 * Builds the provider a model setting asks for. The host calls this once per distinct setting and
 * shares the provider between agents (the scripted provider keys its replay on request.session).
 */
import { resolve } from 'node:path';
import type { LlmProvider } from '../kernel/ports';
import { AnthropicProvider, type AnthropicProviderOptions } from './anthropic';
import { parseModelSpec } from './modelSpec';
import { ScriptedProvider, type ScriptedProviderOptions } from './scripted';

/** What createProvider needs besides the setting. */
export interface ProviderFactoryOptions {
  anthropic?: AnthropicProviderOptions;
  scripted?: ScriptedProviderOptions;
  /** relative script paths are resolved against this (default: the process's working directory) */
  baseDir?: string;
}

/** A provider and the model id to put in each LlmRequest it serves. */
export interface ProviderChoice {
  provider: LlmProvider;
  model: string;
}

/** `scripted:PATH` → ScriptedProvider (the file is read and validated now); anything else → AnthropicProvider. */
export function createProvider(spec: string, options: ProviderFactoryOptions = {}): ProviderChoice {
  const parsed = parseModelSpec(spec);
  if (parsed.kind === 'scripted') {
    const path = resolve(options.baseDir ?? process.cwd(), parsed.path);
    return { provider: ScriptedProvider.fromFile(path, options.scripted), model: spec.trim() };
  }
  return { provider: new AnthropicProvider(options.anthropic), model: parsed.model };
}

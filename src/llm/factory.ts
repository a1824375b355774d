/**
 * Builds the provider a model setting asks for. The host calls this once per distinct setting and
 * shares the provider between agents (the scripted provider keys its replay on request.session).
 */
import { resolve } from 'node:path';
import type { LlmProvider } from '../kernel/ports/llm';
import type { Credentials, ModelSettings } from '../settings/models';
import { AnthropicProvider, type AnthropicProviderOptions } from './anthropic';
import { anthropicKey, EMPTY_MODEL_SETTINGS, NO_CREDENTIALS, resolveModel, type ResolvedModel } from './modelCatalog';
import { OpenAiCompatProvider, type OpenAiCompatOptions } from './openaiCompat';
import { ScriptedProvider, type ScriptedProviderOptions } from './scripted';
import { noEditorError, VsCodeLmProvider, type LmBridge } from './vscodeLm';

/** What createProvider needs besides the setting. */
export interface ProviderFactoryOptions {
  anthropic?: AnthropicProviderOptions;
  /** retry, timeout, clock… for OpenAI-compatible endpoints (endpoint, key and price come from the catalog) */
  openai?: Partial<Omit<OpenAiCompatOptions, 'name' | 'baseURL' | 'apiKey' | 'keyHint' | 'price'>>;
  scripted?: ScriptedProviderOptions;
  /** relative script paths are resolved against this (default: the process's working directory) */
  baseDir?: string;
  /** endpoints, price and window overrides, Anthropic base URL and headers (default: none) */
  settings?: ModelSettings;
  /** keys from SecretStorage (default: none; environment variables still count) */
  credentials?: Credentials;
  /** default process.env */
  env?: Record<string, string | undefined>;
  /** VS Code's language models; absent outside the editor */
  lm?: LmBridge;
}

/** A provider, the model id to put in each LlmRequest it serves, and what is known about the model. */
export interface ProviderChoice {
  provider: LlmProvider;
  model: string;
  resolved: ResolvedModel;
}

/** Resolves `spec` and builds its provider; throws an Error saying what is wrong with the setting. */
export function createProvider(spec: string, options: ProviderFactoryOptions = {}): ProviderChoice {
  const ctx = { settings: options.settings ?? EMPTY_MODEL_SETTINGS, credentials: options.credentials ?? NO_CREDENTIALS, env: options.env ?? process.env };
  const resolved = resolveModel(spec, ctx);
  const parsed = resolved.parsed;
  switch (parsed.kind) {
    case 'scripted': {
      const path = resolve(options.baseDir ?? process.cwd(), parsed.path);
      return { provider: ScriptedProvider.fromFile(path, options.scripted), model: spec.trim(), resolved };
    }
    case 'anthropic': {
      const headers = { ...ctx.settings.anthropicHeaders, ...ctx.credentials.anthropicHeaders, ...options.anthropic?.headers };
      const provider = new AnthropicProvider({
        ...options.anthropic,
        apiKey: options.anthropic?.apiKey ?? anthropicKey(ctx) ?? undefined,
        baseURL: options.anthropic?.baseURL ?? (ctx.settings.anthropicBaseUrl || ctx.env['ANTHROPIC_BASE_URL']?.trim() || undefined),
        headers: Object.keys(headers).length ? headers : undefined,
        priceOverride: ctx.settings.models[resolved.spec] ? resolved.price : null,
        secrets: Object.values(ctx.credentials.anthropicHeaders),
      });
      return { provider, model: parsed.model, resolved };
    }
    case 'openai': {
      const endpoint = resolved.endpoint!;
      const provider = new OpenAiCompatProvider({
        maxTokensField: parsed.endpoint === 'openai' && !ctx.settings.endpoints['openai'] ? 'max_completion_tokens' : 'max_tokens',
        ...options.openai,
        name: parsed.endpoint,
        baseURL: endpoint.baseUrl,
        apiKey: endpoint.apiKey,
        keyHint: endpoint.needsKey ? endpoint.keyHint : '',
        price: resolved.price,
      });
      return { provider, model: parsed.model, resolved };
    }
    case 'vscode-lm': {
      if (!options.lm) throw noEditorError(resolved.spec);
      return { provider: new VsCodeLmProvider(options.lm, parsed.vendor, parsed.family), model: `${parsed.vendor}/${parsed.family}`, resolved };
    }
  }
}

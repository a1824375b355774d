/**
 * Resolves a model setting against the settings: which provider, which endpoint and key, what it
 * costs, how large its window is, whether it can call tools. Also the spawn-time admission rules
 * (a model without tools, a dollar budget on a model without a price) and the configured-model list.
 */
import type { Budgets } from '../kernel/types';
import type { ConfiguredModel, Credentials, ModelFacts, ModelSettings } from '../settings/models';
import { BUILTIN_ENDPOINTS, parseModelSpec, providerName, type ModelSpec } from './modelSpec';
import { BUILTIN_ENDPOINT_TABLE, CLAUDE_WINDOW, tableFacts } from './modelTable';
import { priceFor, type ModelPrice } from './prices';

/** How a model's spending is counted. */
export type Billing =
  /** priced: dollars are counted and dollar budgets hold */
  | 'usd'
  /** no price known: shown as —, a dollar budget is refused */
  | 'unknown'
  /** the provider reports no dollars (VS Code language models): budgets count tokens and requests */
  | 'tokens-only'
  /** the offline scripted model: $0, no model ran */
  | 'scripted';

/** Where an OpenAI-compatible model is served. */
export interface EndpointTarget {
  baseUrl: string;
  /** the key, or null when none was found */
  apiKey: string | null;
  /** false for local servers that take none */
  needsKey: boolean;
  /** where the key should come from, for error messages */
  keyHint: string;
}

/** A model setting, resolved. */
export interface ResolvedModel {
  spec: string;
  parsed: ModelSpec;
  /** `anthropic`, `openai`, an endpoint name, `vscode-lm`, `scripted` */
  provider: string;
  price: ModelPrice | null;
  billing: Billing;
  contextWindow: number | null;
  supportsTools: boolean;
  /** set for OpenAI-compatible models */
  endpoint: EndpointTarget | null;
}

/** Settings with nothing configured. */
export const EMPTY_MODEL_SETTINGS: ModelSettings = { anthropicBaseUrl: '', anthropicHeaders: {}, endpoints: {}, models: {} };

/** No credentials: keys come from the environment only (the CLI). */
export const NO_CREDENTIALS: Credentials = { keys: {}, anthropicHeaders: {} };

/** What resolution reads besides the setting. */
export interface CatalogContext {
  settings: ModelSettings;
  credentials: Credentials;
  env: Record<string, string | undefined>;
}

/** Resolves `spec`; throws an Error that says what is wrong with the setting. */
export function resolveModel(spec: string, ctx: CatalogContext): ResolvedModel {
  const parsed = parseModelSpec(spec, Object.keys(ctx.settings.endpoints));
  const base = { spec: spec.trim(), parsed, provider: providerName(parsed) };
  const override = ctx.settings.models[spec.trim()];
  switch (parsed.kind) {
    case 'scripted':
      return { ...base, price: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, billing: 'scripted', contextWindow: null, supportsTools: true, endpoint: null };
    case 'anthropic': {
      const price = mergePrice(priceFor(parsed.model)?.price ?? null, override);
      return { ...base, price, billing: price ? 'usd' : 'unknown', contextWindow: override?.contextWindow ?? CLAUDE_WINDOW, supportsTools: true, endpoint: null };
    }
    case 'vscode-lm':
      return { ...base, price: null, billing: 'tokens-only', contextWindow: override?.contextWindow ?? null, supportsTools: true, endpoint: null };
    case 'openai': {
      const named = ctx.settings.endpoints[parsed.endpoint];
      const table = named ? { price: null, contextWindow: null } : tableFacts(parsed.endpoint, parsed.model);
      const facts = { ...named?.facts, ...override };
      const price = mergePrice(table.price, facts);
      return {
        ...base,
        price,
        billing: price ? 'usd' : 'unknown',
        contextWindow: facts.contextWindow ?? table.contextWindow,
        supportsTools: named ? named.supportsTools : true,
        endpoint: endpointTarget(parsed.endpoint, ctx),
      };
    }
  }
}

/** A table price with settings' figures over it; a price needs at least input and output. */
function mergePrice(table: ModelPrice | null, facts: ModelFacts | undefined): ModelPrice | null {
  const input = facts?.input ?? table?.input;
  const output = facts?.output ?? table?.output;
  if (input === undefined || output === undefined) return null;
  return { input, output, cacheRead: facts?.cacheRead ?? table?.cacheRead ?? input, cacheWrite: facts?.cacheWrite ?? table?.cacheWrite ?? input };
}

function endpointTarget(name: string, ctx: CatalogContext): EndpointTarget {
  const named = ctx.settings.endpoints[name];
  if (named) {
    if (named.apiKey === 'none') return { baseUrl: named.baseUrl, apiKey: null, needsKey: false, keyHint: '' };
    if (named.apiKey.startsWith('env:')) {
      const variable = named.apiKey.slice(4);
      return { baseUrl: named.baseUrl, apiKey: ctx.env[variable]?.trim() || null, needsKey: true, keyHint: `set the ${variable} environment variable (aios.endpoints.${name}.apiKey says env:${variable})` };
    }
    return { baseUrl: named.baseUrl, apiKey: ctx.credentials.keys[name]?.trim() || null, needsKey: true, keyHint: `run "AIOS: Set API Key" and choose the endpoint ${name}` };
  }
  const builtin = BUILTIN_ENDPOINT_TABLE[name]!;
  const baseUrl = (builtin.baseUrlEnv && ctx.env[builtin.baseUrlEnv]?.trim()) || builtin.baseUrl;
  if (!builtin.keyEnv) return { baseUrl, apiKey: null, needsKey: false, keyHint: '' };
  const key = ctx.credentials.keys[name]?.trim() || ctx.env[builtin.keyEnv]?.trim() || null;
  return { baseUrl, apiKey: key, needsKey: true, keyHint: `set the ${builtin.keyEnv} environment variable, or run "AIOS: Set API Key" in VS Code and choose ${name}` };
}

/**
 * Why an agent on `model` with `budgets` may not be spawned, or null. A model that cannot call
 * tools cannot act; a dollar budget on a model without a price would silently never hold.
 */
export function refuseSpawn(model: ResolvedModel, budgets: Partial<Budgets> | undefined): string | null {
  if (!model.supportsTools) {
    return `Model '${model.spec}' cannot call tools (aios.endpoints.${model.provider}.supportsTools is false), and AIOS agents act only through tools: choose a model with tool calling`;
  }
  const dollars = budgets?.dollars;
  if (dollars === undefined || !Number.isFinite(dollars)) return null;
  if (model.billing === 'unknown') {
    return `No price is known for model '${model.spec}', so its dollar budget ($${dollars.toFixed(2)}) could not be enforced: add its price under aios.models ("${model.spec}": { "input": …, "output": … } in USD per million tokens), or spawn it without a dollar budget (aios.budgets.dollars 0, or no --max-dollars)`;
  }
  if (model.billing === 'tokens-only') {
    return `Model '${model.spec}' is a VS Code language model, which reports no dollar cost, so its dollar budget ($${dollars.toFixed(2)}) could not be enforced: budget it in tokens and steps (requests) instead`;
  }
  return null;
}

/** The models to offer: Claude, each built-in endpoint's listed models, and each named endpoint's. */
export function configuredModels(ctx: CatalogContext, claudeModels: readonly string[]): ConfiguredModel[] {
  const list: ConfiguredModel[] = [];
  const add = (spec: string) => {
    const r = resolveModel(spec, ctx);
    const keyMissing = r.endpoint ? r.endpoint.needsKey && !r.endpoint.apiKey : r.provider === 'anthropic' && !anthropicKey(ctx);
    const hint = r.endpoint?.keyHint ?? 'set ANTHROPIC_API_KEY, or run "AIOS: Set API Key" and choose Anthropic';
    list.push({
      spec: r.spec,
      provider: r.provider,
      ready: !keyMissing,
      note: keyMissing ? `needs an API key: ${hint}` : r.billing === 'unknown' ? 'price unknown: add it under aios.models to use a dollar budget' : null,
      price: r.price ? { input: r.price.input, output: r.price.output } : null,
      contextWindow: r.contextWindow,
    });
  };
  for (const m of claudeModels) add(m);
  for (const name of BUILTIN_ENDPOINTS) {
    if (ctx.settings.endpoints[name]) continue;
    for (const m of BUILTIN_ENDPOINT_TABLE[name]!.models) add(`${name}:${m}`);
  }
  for (const [name, e] of Object.entries(ctx.settings.endpoints)) for (const m of e.models) add(`${name}:${m}`);
  for (const spec of Object.keys(ctx.settings.models)) if (!list.some((m) => m.spec === spec) && !spec.startsWith('vscode-lm:') && !spec.startsWith('copilot:')) add(spec);
  return list;
}

/** How `model` is billed by the built-in tables alone (no settings); a setting that does not parse is `unknown`. */
export function tableBilling(model: string): Billing {
  if (model.trim() === 'scripted') return 'scripted';
  try {
    return resolveModel(model, { settings: EMPTY_MODEL_SETTINGS, credentials: NO_CREDENTIALS, env: {} }).billing;
  } catch {
    return 'unknown';
  }
}

/** The Anthropic key: SecretStorage first, then ANTHROPIC_API_KEY. */
export function anthropicKey(ctx: CatalogContext): string | null {
  return ctx.credentials.keys['anthropic']?.trim() || ctx.env['ANTHROPIC_API_KEY']?.trim() || null;
}

/** "$2.00 / $8.00 per M" or "—" when unknown; never $0.00 for an unknown price. */
export function formatPrice(price: { input: number; output: number } | null): string {
  if (!price) return '—';
  if (price.input === 0 && price.output === 0) return 'free (local)';
  return `$${price.input} / $${price.output} per M tokens`;
}

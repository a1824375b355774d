/**
 * Is a provider reachable with the key we have? One cheap call per endpoint (list models) through
 * the provider's own SDK, with a short timeout. Used by `aios models`. Key-free messages.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { redact } from './anthropicErrors';
import { anthropicKey, type CatalogContext, type ResolvedModel } from './modelCatalog';

/** What a probe found. */
export type Reachability =
  | { status: 'ok'; detail: string | null }
  | { status: 'no-key'; detail: string }
  | { status: 'unreachable'; detail: string }
  | { status: 'skipped'; detail: string };

/** Probes every distinct endpoint of `models` once, in parallel; the result is per model spec. */
export async function probeModels(models: readonly ResolvedModel[], ctx: CatalogContext, timeoutMs = 5000): Promise<Map<string, Reachability>> {
  const byEndpoint = new Map<string, Promise<{ ids: Set<string> | null; fail: Reachability | null }>>();
  const out = new Map<string, Reachability>();
  await Promise.all(models.map(async (m) => {
    if (m.parsed.kind === 'scripted') return void out.set(m.spec, { status: 'skipped', detail: 'offline scripted model (no network)' });
    if (m.parsed.kind === 'vscode-lm') return void out.set(m.spec, { status: 'skipped', detail: 'VS Code language model: reachable only from the extension' });
    const key = m.parsed.kind === 'anthropic' ? anthropicKey(ctx) : m.endpoint!.apiKey;
    const needsKey = m.parsed.kind === 'anthropic' || m.endpoint!.needsKey;
    if (needsKey && !key) {
      const hint = m.endpoint?.keyHint ?? 'set ANTHROPIC_API_KEY, or run "AIOS: Set API Key" in VS Code';
      return void out.set(m.spec, { status: 'no-key', detail: hint });
    }
    const baseUrl = m.parsed.kind === 'anthropic' ? (ctx.settings.anthropicBaseUrl || ctx.env['ANTHROPIC_BASE_URL']?.trim() || 'https://api.anthropic.com') : m.endpoint!.baseUrl;
    const id = `${m.provider} ${baseUrl}`;
    let probe = byEndpoint.get(id);
    if (!probe) {
      probe = listIds(m.parsed.kind === 'anthropic' ? 'anthropic' : 'openai', baseUrl, key, timeoutMs, ctx);
      byEndpoint.set(id, probe);
    }
    const { ids, fail } = await probe;
    if (fail) return void out.set(m.spec, fail);
    const model = m.parsed.kind === 'anthropic' || m.parsed.kind === 'openai' ? m.parsed.model : '';
    if (ids && ids.size && !ids.has(model)) {
      return void out.set(m.spec, { status: 'unreachable', detail: `${baseUrl} answers but does not list model '${model}'${m.provider === 'ollama' ? ` (ollama pull ${model})` : ''}` });
    }
    out.set(m.spec, { status: 'ok', detail: baseUrl });
  }));
  return out;
}

async function listIds(kind: 'anthropic' | 'openai', baseURL: string, key: string | null, timeout: number, ctx: CatalogContext): Promise<{ ids: Set<string> | null; fail: Reachability | null }> {
  try {
    const ids = new Set<string>();
    if (kind === 'anthropic') {
      const headers = { ...ctx.settings.anthropicHeaders, ...ctx.credentials.anthropicHeaders };
      const client = new Anthropic({ apiKey: key ?? '', baseURL, maxRetries: 0, timeout, defaultHeaders: headers, logger: silent });
      for (const m of (await client.models.list({ limit: 100 })).data) ids.add(m.id);
      // dated ids (claude-sonnet-4-5-20250929) answer for their alias too
      for (const id of [...ids]) ids.add(id.replace(/-\d{8}$/, ''));
    } else {
      const client = new OpenAI({ apiKey: key ?? 'no-key', baseURL, maxRetries: 0, timeout, organization: null, project: null, logger: silent });
      for (const m of (await client.models.list()).data) ids.add(m.id);
    }
    return { ids, fail: null };
  } catch (error) {
    const status = (error as { status?: number }).status;
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${(error.cause as Error & { code?: string }).code ?? error.cause.message})` : '';
    const message = redact(`${error instanceof Error ? error.message : String(error)}${cause}`, key);
    const detail = status === 401 ? `${baseURL} rejected the key (401)` : status ? `${baseURL} answered ${status}: ${message.slice(0, 200)}` : `cannot reach ${baseURL}: ${message.slice(0, 200)}`;
    // 404 on /models: the server chats but lists nothing (some proxies); that is still reachable
    if (status === 404) return { ids: null, fail: null };
    return { ids: null, fail: { status: 'unreachable', detail } };
  }
}

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/**
 * `aios models`: the models this machine can use (Claude, OpenAI, OpenRouter, Ollama, LM Studio,
 * and any spec given), their price and context window, and whether each is reachable with the
 * keys in the environment (ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY…).
 */
import type { Command } from '@commander-js/extra-typings';
import { configuredModels, EMPTY_MODEL_SETTINGS, NO_CREDENTIALS, resolveModel, type CatalogContext } from '../llm/modelCatalog';
import { CLAUDE_PICKER_MODELS } from '../llm/modelTable';
import { probeModels, type Reachability } from '../llm/probe';
import { escapeControl } from '../text/displayText';

export function registerModels(program: Command): void {
  program.command('models')
    .summary('models you can use, prices, reachability')
    .description(`Lists the models AIOS can use from this machine, grouped by provider, with their price (USD per million input / output tokens; — when unknown), context window, and whether each is reachable with the keys in the environment; exits 1 when a model given as SPEC is not reachable.`)
    .argument('[spec...]', 'more models to check, e.g. openrouter:anthropic/claude-sonnet-4.5 ollama:qwen3:8b')
    .option('--json', 'one JSON object per model')
    .option('--offline', 'do not call any endpoint')
    .addHelpText('after', `
Keys: ANTHROPIC_API_KEY, OPENAI_API_KEY, OPENROUTER_API_KEY. Base URLs: ANTHROPIC_BASE_URL,
OPENAI_BASE_URL (vLLM, LiteLLM…), OLLAMA_BASE_URL (default http://127.0.0.1:11434/v1),
LMSTUDIO_BASE_URL (default http://127.0.0.1:1234/v1).`)
    .action(async (specs, o) => {
      process.exitCode = await modelsCommand(specs, { json: o.json === true, offline: o.offline === true }, (line) => process.stdout.write(`${line}\n`));
    });
}

/** Runs `aios models`; returns the exit code (1 when a model given as SPEC is not reachable). */
export async function modelsCommand(specs: string[], options: { json: boolean; offline: boolean }, write: (line: string) => void, env: Record<string, string | undefined> = process.env): Promise<number> {
  const ctx: CatalogContext = { settings: EMPTY_MODEL_SETTINGS, credentials: NO_CREDENTIALS, env };
  const listed = configuredModels(ctx, CLAUDE_PICKER_MODELS).map((m) => m.spec);
  const all = [...new Set([...listed, ...specs.map((s) => s.trim())])];
  const resolved = all.map((spec) => resolveModel(spec, ctx)); // a bad SPEC throws a message that says what is wrong
  const reach = options.offline ? new Map<string, Reachability>() : await probeModels(resolved, ctx);
  let failed = 0;
  let provider = '';
  for (const m of resolved) {
    const r = reach.get(m.spec) ?? { status: 'skipped' as const, detail: 'not checked (--offline)' };
    if (specs.includes(m.spec) && r.status !== 'ok' && r.status !== 'skipped') failed++;
    const price = m.billing === 'tokens-only' ? 'no dollars' : m.price ? (m.price.input === 0 && m.price.output === 0 ? 'free (local)' : `$${m.price.input} / $${m.price.output}`) : '—';
    const window = m.contextWindow ? `${Math.round(m.contextWindow / 1000)}k` : '—';
    if (options.json) {
      write(JSON.stringify({ spec: m.spec, provider: m.provider, price: m.price, billing: m.billing, contextWindow: m.contextWindow, supportsTools: m.supportsTools, reachable: r.status, detail: r.detail }));
      continue;
    }
    if (m.provider !== provider) {
      provider = m.provider;
      write(`\n${provider}`);
    }
    const mark = r.status === 'ok' ? 'reachable' : r.status === 'no-key' ? 'no key' : r.status === 'skipped' ? '-' : 'UNREACHABLE';
    write(`  ${m.spec.padEnd(42)} ${price.padEnd(16)} ${window.padEnd(7)} ${mark}${r.detail && r.status !== 'ok' ? ` — ${escapeControl(r.detail)}` : ''}`);
  }
  return failed ? 1 : 0;
}

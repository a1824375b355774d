/**
 * What the Spawn picker offers, grouped by provider: the default, workspace scripts, configured
 * models (with price per million tokens, — when unknown, and context window), and VS Code's
 * language models (which report no dollars). Plain logic, no `vscode`.
 */
import type { ConfiguredModel, LmModelList } from '../protocol/modelMethods';

/** One row of the picker; `separator` rows group providers; `spec` null rows are not pickable (a reason to show). */
export type ModelPickRow =
  | { kind: 'separator'; label: string }
  | { kind: 'model'; label: string; description: string; detail?: string; spec: string | null };

const PROVIDER_TITLES: Record<string, string> = {
  anthropic: 'Anthropic (Claude)', openai: 'OpenAI', openrouter: 'OpenRouter', ollama: 'Ollama (local)', lmstudio: 'LM Studio (local)', 'vscode-lm': 'VS Code language models', scripted: 'Offline scripted model',
};

/** The note every VS Code language model carries: the UI says budgets are not in dollars. */
export const TOKENS_ONLY_NOTE = 'no dollar cost reported: budgets count tokens (countTokens) and requests';

const SCRIPTED_NOTE = 'offline scripted model: replays a script, not an LLM';

/** "$3 / $15 per M", "free (local)", or "—" for an unknown price; never $0.00 for unknown. */
export function priceLabel(price: ConfiguredModel['price']): string {
  if (!price) return 'price —';
  if (price.input === 0 && price.output === 0) return 'free (local)';
  return `$${price.input} / $${price.output} per M tokens`;
}

function windowLabel(tokens: number | null): string {
  if (!tokens) return '';
  return tokens >= 1_000_000 ? ` · ${+(tokens / 1_000_000).toFixed(2)}M window` : ` · ${Math.round(tokens / 1000)}k window`;
}

/** Builds the rows: default first, then one group per provider. */
export function modelPickRows(options: { fallback: string; scripts: readonly string[]; configured: readonly ConfiguredModel[]; lm: LmModelList }): ModelPickRow[] {
  const rows: ModelPickRow[] = [];
  const seen = new Set<string>();
  const configured = new Map(options.configured.map((m) => [m.spec, m]));
  const describe = (spec: string): string => {
    if (spec.startsWith('scripted:')) return SCRIPTED_NOTE;
    if (spec.startsWith('vscode-lm:') || spec.startsWith('copilot:')) return TOKENS_ONLY_NOTE;
    const m = configured.get(spec);
    // the picker row is narrow: a missing key says what to run; the full note is in `aios models`
    const note = !m?.ready ? 'needs an API key: AIOS: Set API Key' : m.note;
    return m ? `${priceLabel(m.price)}${windowLabel(m.contextWindow)}${note ? ` · ${note}` : ''}` : '';
  };
  rows.push({ kind: 'model', label: options.fallback, description: `default · ${describe(options.fallback)}`, spec: options.fallback });
  seen.add(options.fallback);
  const groups = new Map<string, ModelPickRow[]>();
  const push = (provider: string, row: ModelPickRow) => {
    if (row.kind === 'model' && row.spec) {
      if (seen.has(row.spec)) return;
      seen.add(row.spec);
    }
    groups.set(provider, [...(groups.get(provider) ?? []), row]);
  };
  for (const m of options.configured) push(m.provider, { kind: 'model', label: m.spec, description: describe(m.spec), spec: m.spec });
  if (options.lm.available) {
    for (const m of options.lm.models) {
      const spec = `vscode-lm:${m.vendor}/${m.family}`;
      push('vscode-lm', { kind: 'model', label: spec, description: `${m.name} · ${TOKENS_ONLY_NOTE}`, detail: `${Math.round(m.maxInputTokens / 1000)}k input tokens`, spec });
    }
  } else {
    push('vscode-lm', { kind: 'model', label: 'VS Code language models: unavailable', description: options.lm.reason, spec: null });
  }
  for (const s of options.scripts) push('scripted', { kind: 'model', label: `scripted:${s}`, description: SCRIPTED_NOTE, spec: `scripted:${s}` });
  for (const [provider, list] of groups) rows.push({ kind: 'separator', label: PROVIDER_TITLES[provider] ?? `${provider} (aios.endpoints)` }, ...list);
  return rows;
}

/** True for models that report no dollars: their agents get no dollar budget. */
export function isTokensOnly(spec: string): boolean {
  return spec.startsWith('vscode-lm:') || spec.startsWith('copilot:');
}

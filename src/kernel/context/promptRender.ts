import { blocksText, type Page } from './page';
import type { LlmBlock, LlmMessage, TokenEstimator } from '../ports/llm';

/** A prompt built from an agent's pages. */
export interface Prompt {
  system: string;
  messages: LlmMessage[];
  /** where the stable prefix ends, for the provider's cache breakpoints */
  cache: { system: boolean; messages: number[] };
  /** estimated tokens of the whole prompt (resident pages and stubs) */
  tokens: number;
  /** one key per message; equal keys mean identical rendered messages */
  keys: string[];
}

/** One rendered message with its identity key and estimated tokens. */
export interface Rendered {
  role: 'user' | 'assistant';
  content: LlmBlock[];
  key: string;
  tokens: number;
}

const STUB_PREVIEWS = 3;

/**
 * Renders pages (in seq order) into Messages-API messages. Resident pages appear verbatim; runs
 * of swapped pages become one short stub naming the page ids, so the model can recall them.
 * The output is always a valid conversation: a tool result whose call was swapped out becomes
 * text, a swapped result of a resident call stays a tool_result with stub content, and
 * consecutive messages of one role are merged. Stubs are deterministic (no times), so the
 * prompt prefix stays identical between steps and prompt caching keeps hitting.
 */
export function renderPages(pages: readonly Page[], estimator: TokenEstimator): { system: string; rendered: Rendered[]; tokens: number } {
  let system = '';
  let tokens = 0;
  const residentCalls = new Set<string>();
  for (const p of pages) {
    if (p.resident && p.role === 'assistant' && p.blocks) for (const b of p.blocks) if (b.type === 'tool_use') residentCalls.add(b.id);
  }
  const out: Rendered[] = [];
  let run: Page[] = [];
  const flushRun = () => {
    if (run.length === 0) return;
    const text = stubText(run);
    const t = estimator.estimate(text);
    tokens += t;
    out.push({ role: 'user', content: [{ type: 'text', text }], key: `s${run[0].id}-${run[run.length - 1].id}`, tokens: t });
    run = [];
  };
  for (const p of pages) {
    if (p.kind === 'system') {
      if (p.blocks) system += (system ? '\n\n' : '') + blocksText(p.blocks);
      tokens += p.tokens;
      continue;
    }
    if (p.resident && p.blocks) {
      flushRun();
      let content = p.blocks;
      let key = `p${p.id}`;
      if (p.role === 'user' && content.some((b) => b.type === 'tool_result' && !residentCalls.has(b.toolUseId))) {
        content = content.map((b) => (b.type === 'tool_result' && !residentCalls.has(b.toolUseId) ? { type: 'text' as const, text: `[result of an earlier tool call, whose request was swapped out]\n${b.content}` } : b));
        key = `t${p.id}`;
      }
      tokens += p.tokens;
      out.push({ role: p.role, content, key, tokens: p.tokens });
      continue;
    }
    const calls = p.callIds;
    if (calls && calls.length > 0 && calls.every((id) => residentCalls.has(id))) {
      flushRun();
      const stub = `[tool result swapped out: page ${p.id}, ${p.tokens} tokens. Call recall with {"page": ${p.id}} to read it again.]`;
      const t = estimator.estimate(stub) * calls.length;
      tokens += t;
      out.push({ role: 'user', content: calls.map((id) => ({ type: 'tool_result' as const, toolUseId: id, content: stub, isError: false })), key: `r${p.id}`, tokens: t });
      continue;
    }
    run.push(p);
  }
  flushRun();
  return { system, rendered: mergeRoles(out), tokens };
}

function stubText(run: readonly Page[]): string {
  const total = run.reduce((n, p) => n + p.tokens, 0);
  const first = run[0].id;
  const last = run[run.length - 1].id;
  const which = run.length === 1 ? `page ${first}` : `${run.length} pages (${first}…${last})`;
  const previews = run.slice(0, STUB_PREVIEWS).map((p) => `  #${p.id} ${p.role} ${p.kind}: ${p.preview ?? ''}`);
  const more = run.length > STUB_PREVIEWS ? `\n  … and ${run.length - STUB_PREVIEWS} more` : '';
  return `[${which} swapped out to keep this context within its budget (${total} tokens). Call recall with {"page": ID} or {"query": "words"} to read them.\n${previews.join('\n')}${more}]`;
}

function mergeRoles(messages: Rendered[]): Rendered[] {
  const out: Rendered[] = [];
  for (const m of messages) {
    const prev = out[out.length - 1];
    if (prev && prev.role === m.role) {
      out[out.length - 1] = { role: m.role, content: [...prev.content, ...m.content], key: `${prev.key}+${m.key}`, tokens: prev.tokens + m.tokens };
    } else {
      out.push(m);
    }
  }
  return out;
}

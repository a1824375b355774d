/**
 * What a transcript reads from an agent's pages: the model's thinking of each step, the input of
 * each tool call and each call's result. Pages only grow at the end, so the index reads each page
 * once, however long the agent runs.
 */
import type { LlmBlock } from '../kernel/ports/llm';
import type { PageRow } from '../kernel/ports/store';
import type { PageKind } from '../kernel/types';

/** A page as the transcript needs it; `blocks` null when its content is not at hand (swapped). */
export interface PageMeta {
  id: number;
  kind: PageKind;
  role: 'user' | 'assistant';
  tokens: number;
  pinned: boolean;
  resident: boolean;
  blocks: LlmBlock[] | null;
}

/** An agent's pages in context order, and the content of one when `blocks` is null. */
export interface PageSource {
  list(): readonly PageMeta[];
  blocks(page: PageMeta): LlmBlock[] | null;
}

/** A source over stored rows (the CLI, a restarted host): everything is in the rows. */
export function rowPages(rows: () => readonly PageRow[]): PageSource {
  let cache: { n: number; metas: PageMeta[] } | null = null;
  return {
    list() {
      const all = rows();
      if (cache && cache.n === all.length) return cache.metas;
      const metas = all.map((r): PageMeta => {
        const body = JSON.parse(r.content) as { role: 'user' | 'assistant'; blocks: LlmBlock[] };
        return { id: r.id, kind: r.kind, role: body.role, tokens: r.tokens, pinned: r.pinned, resident: r.resident, blocks: body.blocks };
      });
      cache = { n: all.length, metas };
      return metas;
    },
    blocks: (p) => p.blocks,
  };
}

/** Tool inputs, results and per-step assistant content, read from pages as they appear. */
export class PageIndex {
  private scanned = 0;
  private readonly assistant: LlmBlock[][] = [];
  private readonly inputs = new Map<string, unknown>();
  private readonly results = new Map<string, { content: string; isError: boolean }>();

  constructor(private readonly source: PageSource) {}

  /** Reads pages added since the last call. */
  refresh(): void {
    const pages = this.source.list();
    for (; this.scanned < pages.length; this.scanned++) {
      const p = pages[this.scanned];
      if (p.kind !== 'message' && p.kind !== 'tool_result') continue;
      const blocks = this.source.blocks(p) ?? [];
      if (p.role === 'assistant') {
        this.assistant.push(blocks);
        for (const b of blocks) if (b.type === 'tool_use') this.inputs.set(b.id, b.input);
      } else {
        for (const b of blocks) if (b.type === 'tool_result') this.results.set(b.toolUseId, { content: b.content, isError: b.isError });
      }
    }
  }

  /** The input of a tool call, if its page has been seen. */
  input(callId: string): unknown {
    if (!this.inputs.has(callId)) this.refresh();
    return this.inputs.get(callId);
  }

  result(callId: string): { content: string; isError: boolean } | undefined {
    if (!this.results.has(callId)) this.refresh();
    return this.results.get(callId);
  }

  /** The thinking of the n-th model answer (1-based), joined; null when there was none. */
  thinking(step: number): string | null {
    if (this.assistant.length < step) this.refresh();
    const blocks = this.assistant[step - 1];
    if (!blocks) return null;
    const parts = blocks.flatMap((b) => (b.type === 'thinking' ? [b.thinking] : b.type === 'redacted_thinking' ? ['(redacted thinking)'] : []));
    return parts.length ? parts.join('\n\n') : null;
  }

  /** The text of the n-th model answer (1-based), for steps whose output event is missing. */
  text(step: number): string {
    if (this.assistant.length < step) this.refresh();
    return (this.assistant[step - 1] ?? []).flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
  }
}

/** Tokens of an agent's context by where they are. */
export function contextUse(pages: readonly PageMeta[]): { pinned: number; resident: number; swapped: number; swappedPages: number } {
  let pinned = 0, resident = 0, swapped = 0, swappedPages = 0;
  for (const p of pages) {
    if (!p.resident) { swapped += p.tokens; swappedPages++; }
    else if (p.pinned) pinned += p.tokens;
    else resident += p.tokens;
  }
  return { pinned, resident, swapped, swappedPages };
}

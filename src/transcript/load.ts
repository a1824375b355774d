/** Transcripts read from a database (`aios logs`, a host opening an agent it did not run). */
import type { Kernel } from '../kernel/kernel';
import type { LlmBlock } from '../kernel/ports/llm';
import type { EventLog, KernelStore, PageStore } from '../kernel/ports/store';
import type { Pid } from '../kernel/types';
import { TranscriptBuilder, type TranscriptDeps } from './builder';
import { rowPages, type PageSource } from './pages';

/** Events read per transcript at most (a 500-step agent has a few thousand). */
const MAX_EVENTS = 1_000_000;

/** Feeds a builder every stored event of its agent, oldest first. */
export function replay(builder: TranscriptBuilder, store: Pick<KernelStore, 'queryEvents'>, pid: Pid): TranscriptBuilder {
  builder.replay(store.queryEvents({ pid, afterSeq: builder.seq, limit: MAX_EVENTS }).reverse());
  return builder;
}

/** The transcript of agent `pid` in a database, from its stored events and pages. */
export function storedTranscript(store: KernelStore, pid: Pid): TranscriptBuilder {
  if (!store.getAgent(pid)) throw new Error(`no agent ${pid} in this database: see 'aios ps --db FILE'`);
  const builder = new TranscriptBuilder({ pid, agent: () => store.getAgent(pid)!, pages: rowPages(() => store.listPages(pid)) });
  return replay(builder, store, pid);
}

/**
 * The pages of an agent of a running kernel: the pager's own list while it holds the agent
 * (pages not yet written included), the stored rows otherwise; swapped content from storage.
 */
export function kernelPages(kernel: Kernel, store: PageStore, pid: Pid): PageSource {
  const rows = rowPages(() => store.listPages(pid));
  return {
    list: () => (kernel.contexts.has(pid) ? kernel.contexts.pages(pid) : rows.list()),
    blocks(page) {
      if (page.blocks) return page.blocks;
      const row = store.getPage(page.id);
      return row ? (JSON.parse(row.content) as { blocks: LlmBlock[] }).blocks : null;
    },
  };
}

/** A live builder over a running kernel. */
export function kernelTranscript(kernel: Kernel, store: PageStore & EventLog, pid: Pid, extras: Pick<TranscriptDeps, 'approval'> = {}): TranscriptBuilder {
  kernel.agents.get(pid);
  const builder = new TranscriptBuilder({
    pid,
    agent: () => kernel.agents.get(pid),
    pages: kernelPages(kernel, store, pid),
    suspending: () => kernel.pendingSuspension(pid) !== undefined,
    approval: extras.approval,
  });
  return replay(builder, store, pid);
}

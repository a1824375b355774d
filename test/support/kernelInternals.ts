/**
 * White-box access to a kernel's private parts, for the unit tests of those parts (scheduler
 * order, pager eviction, process-table transitions). Everything else, and every integration test,
 * goes through the facade (`Kernel`, `kernel.steps`) like the product does.
 */
import type { ByteQuotas } from '../../src/kernel/byteQuotas';
import type { ContextPager } from '../../src/kernel/context/contextPager';
import { SeedContextApi } from '../../src/kernel/context/seedCompat';
import type { Journal } from '../../src/kernel/journal';
import type { Kernel } from '../../src/kernel/kernel';
import type { KernelStore } from '../../src/kernel/ports/store';
import type { ProcessTable } from '../../src/kernel/processTable';
import type { Scheduler } from '../../src/kernel/scheduler';
import type { Pid } from '../../src/kernel/types';

export interface KernelInternals {
  table: ProcessTable;
  scheduler: Scheduler;
  pager: ContextPager;
  memory: ByteQuotas;
  journal: Journal;
  store: KernelStore;
  syncMemory(pid: Pid): boolean;
}

export function internals(kernel: Kernel): KernelInternals {
  const k = kernel as unknown as KernelInternals;
  return { table: k.table, scheduler: k.scheduler, pager: k.pager, memory: k.memory, journal: k.journal, store: k.store, syncMemory: (pid) => kernel.steps.syncMemory(pid) };
}

/** The seed-compatible context calls over a kernel's pager. */
export function seedApi(kernel: Kernel): SeedContextApi {
  const { pager, store } = internals(kernel);
  return new SeedContextApi(pager, store, kernel.clock);
}

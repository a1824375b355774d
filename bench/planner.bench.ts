/**
 * Planner benchmarks on a 1,000-subtask plan (100 layers of 10, each subtask depending on one
 * or two of the layer before). `planner.dag_1000`: validate (JSON Schema, ids, dependencies,
 * roles, cycles) and schedule it to the end, subtasks completing as soon as they start — the
 * planner's own overhead; target ≤ 50 ms. `planner.dag_1000_kernel`: the same plan through
 * `Planner.run` on a real kernel (null store): 1,000 child agents spawned, waited for and
 * collected, so the kernel's spawn cost is included.
 */
import { internals } from '../test/support/kernelInternals';
import { performance } from 'node:perf_hooks';
import { Kernel } from '../src/kernel/kernel';
import { Planner } from '../src/planner/planner';
import { checkPlan, PlanSchedule, type PlanInput } from '../src/planner/plannerDag';
import { BUILTIN_ROLES } from '../src/router/routerRoles';
import { summarize, type BenchCase } from './harness';
import { nullStore } from './nullStore';

const ROLES = BUILTIN_ROLES.map((r) => r.name);

function layeredPlan(n = 1000, width = 10): PlanInput {
  return {
    on_failure: 'skip_dependents',
    subtasks: Array.from({ length: n }, (_, i) => {
      const layer = Math.floor(i / width);
      const deps = layer === 0 ? [] : [...new Set([`s${i - width}`, `s${(layer - 1) * width + ((i * 7) % width)}`])];
      return { id: `s${i}`, role: ROLES[i % ROLES.length], task: `subtask ${i}: do part ${i % width} of step ${layer}`, depends_on: deps };
    }),
  };
}

export const cases: BenchCase[] = [
  {
    name: 'planner.dag_1000',
    run: () => {
      const plan = layeredPlan();
      const samples: number[] = [];
      for (let k = 0; k < 60; k++) {
        const t0 = performance.now();
        const checked = checkPlan(structuredClone(plan), { roles: ROLES, maxSubtasks: 1000 });
        if (typeof checked === 'string') throw new Error(checked);
        const schedule = new PlanSchedule(checked);
        while (!schedule.finished) for (const i of schedule.start()) schedule.complete(i, true);
        if (k >= 10) samples.push(performance.now() - t0);
      }
      const r = summarize('planner.dag_1000', samples, 1);
      return { ...r, subtasks: 1000, p99_ms: Math.round(r.p99_us / 10) / 100, target_ms: 50, pass: r.p99_us <= 50_000 };
    },
  },
  {
    name: 'planner.dag_1000_kernel',
    run: async () => {
      const kernel = new Kernel({ store: nullStore(), memory: { globalLimitBytes: 1e12 } });
      const planner = new Planner({
        kernel,
        roles: () => BUILTIN_ROLES,
        config: { maxSubtasks: 1000, maxParallel: 16 },
        // a child "runs" at once: it leaves the run queue and is done on the next microtask
        spawn: (options) => {
          const child = kernel.spawn(options);
          queueMicrotask(() => {
            const { scheduler, table } = internals(kernel);
            scheduler.remove(child.pid);
            table.transition(child.pid, 'running');
            table.transition(child.pid, 'done', { result: `did ${options.name}` });
          });
          return child;
        },
      });
      const plan = layeredPlan();
      const samples: number[] = [];
      for (let k = 0; k < 15; k++) {
        const parent = kernel.spawn({ task: 'plan', context: { tokens: 1e9 } });
        const t0 = performance.now();
        const outcome = await planner.run(parent.pid, structuredClone(plan), { maxSubtasks: 1000 });
        if (k >= 3) samples.push(performance.now() - t0);
        if (outcome.status !== 'done') throw new Error(`plan ended ${outcome.status}`);
      }
      const r = summarize('planner.dag_1000_kernel', samples, 1);
      return { ...r, subtasks: 1000, children_per_plan: 1000, p50_ms: Math.round(r.p50_us / 10) / 100 };
    },
  },
];

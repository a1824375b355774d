/**
 * Router benchmark: `router.route` routes a mixed set of tasks (English and Chinese; exact
 * phrases, keywords, typos for the fuzzy tier, and tasks nothing matches) through the three
 * tiers. Target ≥ 100K tasks/s. Recording a decision (SQLite) is not part of the route.
 */
import { TaskRouter } from '../src/router/router';
import { BUILTIN_ROLES } from '../src/router/routerRoles';
import { measure, type BenchCase } from './harness';

const TASKS = [
  'Please do a code review of the scheduler change',
  'Write unit tests for the parser',
  'Update the README with the install steps',
  'Find the root cause of the memory leak in the pager',
  'fix the crash in the scheduler when the queue is empty',
  'Implement pagination for the /users endpoint',
  'investigate why p99 latency doubled after the last deploy',
  'refactor the token bucket into its own module',
  'add integration tests for the sandbox with a real Docker engine',
  'explain how the context pager chooses pages to evict',
  'compare the throughput of the three scheduling policies',
  'review the security of the approval policy',
  'summarize the changes of this week for the changelog',
  'fix the failing test',
  'reviw my chnages to the schedular',
  'refactr the modul loader',
  'hello there',
  'make it better',
  '给调度器写单元测试',
  '分析系统性能',
  '帮我审查这段代码',
  '修复调度器里的崩溃',
  '写一份使用说明',
  '统计每个接口的延迟',
  '为上下文分页器补充测试用例',
  '重构内存管理模块',
  '翻译这篇文档',
  '评审一下这个合并请求',
  '帮我看看',
  '给 parser 写单元测试并修复 bug',
];

export const cases: BenchCase[] = [
  {
    name: 'router.route',
    run: () => {
      const router = new TaskRouter(BUILTIN_ROLES);
      const tiers: Record<string, number> = {};
      for (const t of TASKS) {
        const tier = router.route(t).tier;
        tiers[tier] = (tiers[tier] ?? 0) + 1;
      }
      let sink = 0;
      const r = measure('router.route', (i) => { sink += router.route(TASKS[i % TASKS.length]).confidence; }, { batch: 1000, durationMs: 2000 });
      return { ...r, tasks: TASKS.length, mix: Object.entries(tiers).map(([k, v]) => `${k}:${v}`).join(' '), target_ops_per_sec: 100_000, pass: r.ops_per_sec >= 100_000 && sink > 0 };
    },
  },
];

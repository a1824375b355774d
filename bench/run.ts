/**
 * `npm run bench [-- --json] [-- --filter PREFIX]`: runs every `bench/*.bench.ts` case.
 * Prints a table, or one JSON object per line with --json.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCase, BenchResult } from './harness';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const fi = args.indexOf('--filter');
  const filter = fi >= 0 ? args[fi + 1] ?? '' : '';
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
  const results: BenchResult[] = [];
  for (const file of files) {
    const mod = (await import(join(__dirname, file))) as { cases: BenchCase[] };
    for (const c of mod.cases) {
      if (filter && !c.name.startsWith(filter)) continue;
      let r: BenchResult;
      try {
        r = await c.run();
      } catch (err) {
        r = { name: c.name, ops_per_sec: 0, p50_us: 0, p99_us: 0, error: (err as Error).message };
      }
      results.push(r);
      if (json) console.log(JSON.stringify(r));
      else console.error(`  ${r.name} done`);
    }
  }
  if (!json) printTable(results);
}

function printTable(results: BenchResult[]): void {
  const rows = results.map((r) => {
    const extra = Object.entries(r).filter(([k]) => !['name', 'ops_per_sec', 'p50_us', 'p99_us'].includes(k)).map(([k, v]) => `${k}=${v}`).join(' ');
    return [r.name, r.ops_per_sec.toLocaleString('en-US'), String(r.p50_us), String(r.p99_us), extra];
  });
  const head = ['name', 'ops/s', 'p50 µs', 'p99 µs', 'other'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 4 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

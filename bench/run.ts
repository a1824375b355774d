/**
 * `npm run bench [-- --json] [-- --filter PREFIX]`: runs every `bench/*.bench.ts` case.
 * Prints a table, or one JSON object per line with --json. A case whose real part (Docker,
 * code-server, Chromium) is missing is reported as skipped with the reason, never as a zero.
 * The run ends by itself; if something a case started is still alive 10 s after the last case,
 * the run names it and exits with code 1 (a benchmark must not leave a server or a container).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { connectEngine } from '../src/sandbox/engine';
import { CHROMIUM_BIN } from '../test/e2e/support/paths';
import { missingE2ePrerequisites } from '../test/e2e/support/prerequisites';
import type { BenchCase, BenchNeed, BenchResult } from './harness';

const EXIT_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const fi = args.indexOf('--filter');
  const filter = fi >= 0 ? args[fi + 1] ?? '' : '';
  const files = readdirSync(__dirname).filter((f) => f.endsWith('.bench.ts')).sort();
  const results: BenchResult[] = [];
  const probes = new Map<BenchNeed, Promise<string | null>>();
  const missing = (need: BenchNeed): Promise<string | null> => {
    if (!probes.has(need)) probes.set(need, probe(need));
    return probes.get(need)!;
  };
  for (const file of files) {
    const mod = (await import(join(__dirname, file))) as { cases: BenchCase[] };
    for (const c of mod.cases) {
      if (filter && !c.name.startsWith(filter)) continue;
      let r: BenchResult;
      const needs = c.needs === undefined ? [] : Array.isArray(c.needs) ? c.needs : [c.needs];
      const reasons = (await Promise.all(needs.map(missing))).filter((m): m is string => m !== null);
      if (reasons.length) {
        r = { name: c.name, skipped: reasons.join('; ') };
      } else {
        try {
          r = await c.run();
        } catch (err) {
          r = { name: c.name, error: (err as Error).message };
        }
      }
      results.push(r);
      if (json) console.log(JSON.stringify(r));
      else console.error(`  ${r.name} ${r.skipped ? 'skipped' : r.error ? 'failed' : 'done'}`);
    }
  }
  if (!json) printTable(results);
  if (results.some((r) => r.error)) process.exitCode = 1;
  exitWatch();
}

/** Why a real part is missing (with what to do), or null when it is there. */
async function probe(need: BenchNeed): Promise<string | null> {
  if (need === 'docker') {
    try {
      await connectEngine(undefined, 2000);
      return null;
    } catch (err) {
      return `needs a Docker engine: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (need === 'chromium') return existsSync(CHROMIUM_BIN) ? null : `needs Chromium at ${CHROMIUM_BIN}: run scripts/ensure-e2e.sh`;
  const e2e = missingE2ePrerequisites();
  return e2e.length ? `needs code-server and Chromium: ${e2e.join('; ')}` : null;
}

/** Fails the run, naming what is alive, if the process does not end on its own. */
function exitWatch(): void {
  setTimeout(() => {
    const alive = process.getActiveResourcesInfo().join(', ');
    console.error(`bench: still running ${EXIT_GRACE_MS / 1000} s after the last case: a case left something open (${alive})`);
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}

function printTable(results: BenchResult[]): void {
  const main = ['name', 'ops_per_sec', 'p50_us', 'p99_us', 'pass'];
  const num = (v: number | undefined): string => (v === undefined ? '–' : v.toLocaleString('en-US'));
  const rows = results.map((r) => {
    const extra = r.skipped ? `skipped: ${r.skipped}` : r.error ? `error: ${r.error}` :
      Object.entries(r).filter(([k, v]) => !main.includes(k) && v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');
    return [r.name, num(r.ops_per_sec), num(r.p50_us), num(r.p99_us), r.pass === undefined ? '' : r.pass ? 'yes' : 'NO', extra];
  });
  const head = ['name', 'ops/s', 'p50 µs', 'p99 µs', 'pass', 'other'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * `aios logs PID --db FILE [--follow] [--json] [--full]`: an agent's transcript on the terminal,
 * the same one the transcript tab shows (built from the same events and pages), with `--follow`
 * to keep printing as the agent goes on, and `--json` for one JSON object per line.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { KernelStore } from '../kernel/ports/store';
import type { TranscriptEntry, TranscriptOp, TranscriptStrip } from '../protocol/transcript';
import { SqliteStore } from '../storage/sqliteStore';
import type { TranscriptBuilder } from '../transcript/builder';
import { formatEntry, formatStrip } from '../protocol/transcriptFormat';
import { storedTranscript } from '../transcript/load';

export const LOGS_HELP = `aios logs PID --db FILE [--follow] [--json] [--full]

  --follow    keep printing as the agent goes on (ends when it has finished; Ctrl+C to stop)
  --json      one JSON object per line: {"type":"strip",…}, then {"type":"entry","entry":{…}}
  --full      command output, file contents and thinking uncut

The transcript is built from the database's events and pages, as the transcript tab builds it.`;

/** A bad command line: printed with the help hint, exit 2. */
export class CliUsageError extends Error {}

/** Where lines go. */
export interface Out {
  line(text: string): void;
}

/** Prints a transcript and its updates. */
export class TranscriptPrinter {
  constructor(private readonly out: Out, private readonly json: boolean, private readonly full: boolean) {}

  strip(strip: TranscriptStrip): void {
    if (this.json) this.out.line(JSON.stringify({ type: 'strip', strip }));
    else for (const l of formatStrip(strip)) this.out.line(l);
  }

  entry(entry: TranscriptEntry): void {
    if (this.json) this.out.line(JSON.stringify({ type: 'entry', entry }));
    else for (const l of formatEntry(entry, this.full)) this.out.line(l);
  }

  /** Updates: an entry is printed again when it changed in a way worth a line (a card ended, a message arrived). */
  ops(ops: TranscriptOp[]): void {
    for (const op of ops) {
      if (op.op !== 'upsert') continue;
      const e = op.entry;
      if (e.kind === 'model' && e.streaming) continue;
      if (e.kind === 'tool' && e.state === 'running' && e.durationMs === null) continue;
      this.entry(e);
    }
  }
}

export async function logsCommand(argv: string[], out: Out = { line: (t) => process.stdout.write(`${t}\n`) }): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { db: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, json: { type: 'boolean' }, full: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) { out.line(LOGS_HELP); return 0; }
  const pid = agentPid(positionals[0], 'logs');
  const store = SqliteStore.open(existingDb(values.db, 'logs'), { readonly: true });
  const printer = new TranscriptPrinter(out, Boolean(values.json), Boolean(values.full));
  try {
    const builder = storedTranscript(store, pid);
    const view = builder.view();
    printer.strip(view.strip);
    for (const e of view.entries) printer.entry(e);
    if (!values.follow) return 0;
    await follow(store, pid, builder, printer);
    printer.strip(builder.strip());
    return 0;
  } finally {
    store.close();
  }
}

/** Polls the database for the agent's new events until it has finished (or SIGINT). */
export async function follow(store: KernelStore, pid: number, builder: TranscriptBuilder, printer: TranscriptPrinter, pollMs = 250): Promise<void> {
  let stop = false;
  const interrupt = () => { stop = true; };
  process.once('SIGINT', interrupt);
  try {
    while (!stop) {
      const before = builder.seq;
      const ops: TranscriptOp[] = [];
      for (const e of store.queryEvents({ pid, afterSeq: before, limit: 10_000 }).reverse()) ops.push(...builder.apply(e));
      printer.ops(ops);
      const state = store.getAgent(pid)?.state;
      if (builder.seq === before && (state === 'done' || state === 'failed' || state === 'killed')) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    process.removeListener('SIGINT', interrupt);
  }
}

export function agentPid(text: string | undefined, command: string): number {
  const pid = Number(text);
  if (!text || !Number.isInteger(pid) || pid < 1) throw new CliUsageError(`give the agent's pid: aios ${command} PID --db FILE (see 'aios ps --db FILE')`);
  return pid;
}

export function existingDb(value: string | undefined, command: string): string {
  if (!value) throw new CliUsageError(`--db FILE is required; see 'aios ${command} --help'`);
  const path = resolve(value);
  if (!existsSync(path)) throw new CliUsageError(`no database at ${path}: give the --db of an 'aios run' (default <workspace>/.aios/aios.db)`);
  return path;
}


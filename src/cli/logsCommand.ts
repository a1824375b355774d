/**
 * `aios logs PID --db FILE [--follow] [--json] [--full]`: an agent's transcript on the terminal,
 * the same one the transcript tab shows (built from the same events and pages), with `--follow`
 * to keep printing as the agent goes on, and `--json` for one JSON object per line.
 */
import type { Command } from '@commander-js/extra-typings';
import type { KernelStore } from '../kernel/ports/store';
import type { TranscriptEntry, TranscriptOp, TranscriptStrip } from '../protocol/transcript';
import { SqliteStore } from '../storage/sqliteStore';
import type { TranscriptBuilder } from '../transcript/builder';
import { formatEntry, formatStrip } from '../protocol/transcriptFormat';
import { storedTranscript } from '../transcript/load';
import { agentPid, existingDatabase } from './usage';

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

export function registerLogs(program: Command): void {
  program.command('logs')
    .summary("an agent's transcript")
    .description("Prints an agent's transcript, built from the database's events and pages as the transcript tab builds it.")
    .usage('PID --db FILE [options]')
    .argument('<pid>', "the agent's pid (see 'aios ps')", agentPid)
    .requiredOption('--db <FILE>', 'the database of an aios run (required)', existingDatabase)
    .option('-f, --follow', 'keep printing as the agent goes on (ends when it has finished; Ctrl+C to stop)')
    .option('--json', 'one JSON object per line: {"type":"strip",…}, then {"type":"entry","entry":{…}}')
    .option('--full', 'command output, file contents and thinking uncut')
    .action(async (pid, o) => {
      process.exitCode = await logs(pid, o.db, { json: o.json === true, full: o.full === true, follow: o.follow === true });
    });
}

/** Prints agent `pid`'s transcript (and, with `follow`, its updates until it has finished); returns the exit code. */
export async function logs(pid: number, db: string, o: { json: boolean; full: boolean; follow: boolean }, out: Out = { line: (t) => process.stdout.write(`${t}\n`) }): Promise<number> {
  const store = SqliteStore.open(db, { readonly: true });
  const printer = new TranscriptPrinter(out, o.json, o.full);
  try {
    const builder = storedTranscript(store, pid);
    const view = builder.view();
    printer.strip(view.strip);
    for (const e of view.entries) printer.entry(e);
    if (!o.follow) return 0;
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

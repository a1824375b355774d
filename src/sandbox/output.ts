/**
 * Exec output, kept up to a cap with a marker. Docker's multiplexed stream (8-byte frame headers)
 * is split into stdout and stderr by dockerode's own `modem.demuxStream`, writing into these.
 */
import { Writable } from 'node:stream';
import type Docker from 'dockerode';

/** A writable that collects bytes up to a cap and counts the rest. */
export class CappedBuffer extends Writable {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** all bytes seen, kept or not */
  total = 0;

  constructor(readonly cap: number) {
    super();
  }

  /** Adds bytes at once (the runner's decoded chunks; demuxStream goes through write()). */
  add(data: Buffer): void {
    this.total += data.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.chunks.push(Buffer.from(part)); // copy: never hold on to a larger buffer the part is a view of
    this.kept += part.length;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.add(chunk);
    done();
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  /** The kept text, with a marker saying how much was dropped. */
  text(): string {
    const body = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${body}\n[output truncated: kept the first ${this.kept} of ${this.total} bytes]` : body;
  }
}

/** A writable that hands each chunk to `fn` (e.g. a line parser). */
export function sinkTo(fn: (data: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      fn(chunk);
      done();
    },
  });
}

/**
 * The JSON messages of an engine stream (import, pull, build, events), gathered by dockerode's
 * `modem.followProgress` until the stream ends.
 */
export function followProgress<T>(modem: Docker['modem'], stream: NodeJS.ReadableStream): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    modem.followProgress(stream, (error: Error | null, messages: T[]) => (error ? reject(error) : resolve(messages)));
  });
}

/**
 * Exec output: Docker's multiplexed stream (8-byte frame headers: stream type, 3 zero bytes,
 * big-endian length) split into stdout and stderr, each kept up to a cap with a marker.
 */

/** Collects bytes up to a cap; counts the rest. */
export class CappedBuffer {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** all bytes seen, kept or not */
  total = 0;

  constructor(readonly cap: number) {}

  push(data: Buffer): void {
    this.total += data.length;
    const room = this.cap - this.kept;
    if (room <= 0) return;
    const part = data.length > room ? data.subarray(0, room) : data;
    this.chunks.push(Buffer.from(part)); // copy: the frame buffer is reused by the parser
    this.kept += part.length;
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

/** Where a demuxed stream goes. */
export interface ByteSink {
  push(data: Buffer): void;
}

/** Parses a multiplexed exec or attach stream incrementally. */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly stdout: ByteSink, private readonly stderr: ByteSink) {}

  push(chunk: Buffer): void {
    let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    while (data.length >= 8) {
      const type = data[0];
      const length = data.readUInt32BE(4);
      if (data.length < 8 + length) break;
      const payload = data.subarray(8, 8 + length);
      (type === 2 ? this.stderr : this.stdout).push(payload);
      data = data.subarray(8 + length);
    }
    this.pending = Buffer.from(data);
  }
}

/**
 * A damaged write-ahead log loses commits silently: SQLite replays the WAL up to the first frame
 * whose checksum fails and ignores the rest. This reads the `-wal` file as SQLite would (format:
 * sqlite.org/fileformat.html, "WAL file format") and finds committed transactions beyond a bad
 * frame, so opening can refuse instead of continuing without them.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

const HEADER = 32;
const FRAME_HEADER = 24;

/** What the WAL holds beyond what SQLite can read. */
export interface WalDamage {
  /** 0-based index of the first frame that fails its checksum (-1: the header itself) */
  frame: number;
  /** byte offset of that frame in the -wal file */
  offset: number;
  /** commit frames of this WAL generation after it: committed transactions SQLite would drop */
  lostCommits: number;
}

/**
 * Checks `${dbPath}-wal`; null when there is none or everything in it is readable. A frame a live
 * writer was writing while we read looks damaged for a moment: damage counts only when a second
 * read finds it at the same frame.
 */
export function checkWal(dbPath: string): WalDamage | null {
  const first = scanWal(dbPath);
  if (!first) return null;
  const second = scanWal(dbPath);
  return second && second.frame === first.frame ? second : null;
}

function scanWal(dbPath: string): WalDamage | null {
  let fd: number;
  try {
    fd = openSync(`${dbPath}-wal`, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER) return null;
    const header = Buffer.alloc(HEADER);
    readSync(fd, header, 0, HEADER, 0);
    const magic = header.readUInt32BE(0);
    if (magic !== 0x377f0682 && magic !== 0x377f0683) return size > HEADER ? { frame: -1, offset: 0, lostCommits: 1 } : null;
    // the magic's low bit says the byte order of the checksums (1: big-endian)
    const bigEndian = (magic & 1) === 1;
    const pageSize = header.readUInt32BE(8) || 65536;
    const salt1 = header.readUInt32BE(16);
    const salt2 = header.readUInt32BE(20);
    let [s0, s1] = checksum(header, 0, 24, 0, 0, bigEndian);
    if (s0 !== header.readUInt32BE(24) || s1 !== header.readUInt32BE(28)) {
      return size >= HEADER + FRAME_HEADER + pageSize ? { frame: -1, offset: 0, lostCommits: 1 } : null;
    }
    const frameSize = FRAME_HEADER + pageSize;
    const frame = Buffer.alloc(frameSize);
    let damage: WalDamage | null = null;
    // The first frame whose salts are not this generation's: the end of the log (what follows is
    // an older generation, before the last checkpoint reset) unless a frame of this generation
    // comes after it, which only a damaged frame header explains.
    let foreign: { frame: number; offset: number } | null = null;
    for (let i = 0, offset = HEADER; offset + frameSize <= size; i++, offset += frameSize) {
      readSync(fd, frame, 0, frameSize, offset);
      if (frame.readUInt32BE(8) !== salt1 || frame.readUInt32BE(12) !== salt2) {
        foreign ??= { frame: i, offset };
        continue;
      }
      if (foreign && !damage) damage = { ...foreign, lostCommits: 0 };
      const commit = frame.readUInt32BE(4) !== 0;
      if (damage) {
        if (commit) damage.lostCommits++;
        continue;
      }
      [s0, s1] = checksum(frame, 0, 8, s0, s1, bigEndian);
      [s0, s1] = checksum(frame, FRAME_HEADER, frameSize, s0, s1, bigEndian);
      if (s0 !== frame.readUInt32BE(16) || s1 !== frame.readUInt32BE(20)) damage = { frame: i, offset, lostCommits: 0 };
    }
    // a bad last transaction alone is a write cut short by a crash: it never committed
    return damage && damage.lostCommits > 0 ? damage : null;
  } finally {
    closeSync(fd);
  }
}

/** SQLite's WAL checksum over bytes [from, to), continuing from (s0, s1). */
function checksum(buf: Buffer, from: number, to: number, s0: number, s1: number, bigEndian: boolean): [number, number] {
  let a = s0;
  let b = s1;
  for (let i = from; i < to; i += 8) {
    const x0 = bigEndian ? buf.readUInt32BE(i) : buf.readUInt32LE(i);
    const x1 = bigEndian ? buf.readUInt32BE(i + 4) : buf.readUInt32LE(i + 4);
    a = (a + x0 + b) >>> 0;
    b = (b + x1 + a) >>> 0;
  }
  return [a, b];
}

import { randomFillSync } from 'node:crypto';

/**
 * Time-ordered UUIDs (RFC 9562 version 7) for rows the import creates. A million random (v4) primary
 * keys scatter inserts over the whole clustered index, which stops fitting the buffer pool long before
 * the end; v7 keys append at its right edge. A counter in `rand_a` keeps ids of one millisecond ordered.
 */
export class UuidV7 {
  private pool = Buffer.alloc(0);
  private offset = 0;
  private lastMs = 0;
  private counter = 0;

  next(now: number = Date.now()): string {
    let ms = now;
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.counter++;
      if (this.counter > 0xfff) {
        // 4,096 ids in one millisecond: borrow the next millisecond rather than break the order.
        ms = ++this.lastMs;
        this.counter = 0;
      }
    } else {
      this.lastMs = ms;
      this.counter = 0;
    }
    const rand = this.random(8);
    const hexTime = ms.toString(16).padStart(12, '0');
    const randA = (0x7000 | this.counter).toString(16);
    const randB = ((rand.readUInt16BE(0) & 0x3fff) | 0x8000).toString(16);
    const tail = rand.toString('hex', 2, 8);
    return `${hexTime.slice(0, 8)}-${hexTime.slice(8, 12)}-${randA}-${randB}-${tail}`;
  }

  private random(n: number): Buffer {
    if (this.offset + n > this.pool.length) {
      this.pool = randomFillSync(Buffer.allocUnsafe(8 * 4096));
      this.offset = 0;
    }
    const out = this.pool.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}

/**
 * The set of ID numbers already taken in this import, with the line that took each. An ID number is 17
 * digits and a check character that follows from them, so the 17 digits, as two numbers of 9 and 8
 * digits, identify it exactly: kept in typed arrays, a million entries cost ~24 MB instead of the ~150 MB
 * a Map of strings needs, and no hashing (nor any key) is involved.
 */
export class SeenIds {
  private hi = new Uint32Array(1 << 16);
  private lo = new Uint32Array(1 << 16);
  /** Line of the entry; 0 marks an empty slot (lines start at 1). */
  private lines = new Uint32Array(1 << 16);
  private count = 0;

  /**
   * Records a normalized, valid ID number (`validateIdNumber`) for `line` and returns undefined, or
   * returns the line that recorded it first.
   */
  addOrGet(idNumber: string, line: number): number | undefined {
    if (line <= 0) throw new Error('line numbers start at 1');
    if (idNumber.length !== 18) throw new Error('expected a normalized 18-character ID number');
    let hi = 0;
    let lo = 0;
    for (let i = 0; i < 9; i++) hi = hi * 10 + (idNumber.charCodeAt(i) - 48);
    for (let i = 9; i < 17; i++) lo = lo * 10 + (idNumber.charCodeAt(i) - 48);
    const mask = this.lines.length - 1;
    for (let slot = slotOf(hi, lo) & mask; ; slot = (slot + 1) & mask) {
      const l = this.lines[slot] ?? 0;
      if (l === 0) {
        this.hi[slot] = hi;
        this.lo[slot] = lo;
        this.lines[slot] = line;
        if (++this.count * 2 > this.lines.length) this.grow();
        return undefined;
      }
      if (this.hi[slot] === hi && this.lo[slot] === lo) return l;
    }
  }

  get size(): number {
    return this.count;
  }

  private grow(): void {
    const { hi, lo, lines } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.lines = new Uint32Array(lines.length * 2);
    const mask = this.lines.length - 1;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i] ?? 0;
      if (l === 0) continue;
      let slot = slotOf(hi[i] ?? 0, lo[i] ?? 0) & mask;
      while ((this.lines[slot] ?? 0) !== 0) slot = (slot + 1) & mask;
      this.hi[slot] = hi[i] ?? 0;
      this.lo[slot] = lo[i] ?? 0;
      this.lines[slot] = l;
    }
  }
}

/** Spreads the digits over the table (neighbouring ID numbers differ only in a few low digits). */
function slotOf(hi: number, lo: number): number {
  return Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 0;
}

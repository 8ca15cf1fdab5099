/**
 * The store of automatic persisted queries (ADR 0050): query texts by their hash key, least recently
 * used first out once the texts (UTF-16 length, plus the key) pass `maxBytes`. It has the shape of
 * Apollo's `KeyValueCache<string>`; Apollo's `ttl` is ignored (a query text does not go stale).
 */
export class BoundedQueryStore {
  private readonly entries = new Map<string, string>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get(key: string): Promise<string | undefined> {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return Promise.resolve(value);
  }

  set(key: string, value: string): Promise<void> {
    const size = key.length + value.length;
    if (size > this.maxBytes) return Promise.resolve();
    void this.delete(key);
    this.entries.set(key, value);
    this.bytes += size;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= k.length + v.length;
    }
    return Promise.resolve();
  }

  delete(key: string): Promise<boolean> {
    const old = this.entries.get(key);
    if (old === undefined) return Promise.resolve(false);
    this.entries.delete(key);
    this.bytes -= key.length + old.length;
    return Promise.resolve(true);
  }

  /** Queries held and their size (tests, metrics). */
  get size(): { queries: number; bytes: number } {
    return { queries: this.entries.size, bytes: this.bytes };
  }
}

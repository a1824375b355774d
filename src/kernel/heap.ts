/**
 * An indexed binary min-heap: push, pop, peek, remove and update of any item in O(log n).
 * Items must be distinct objects or primitives; `less(a, b)` orders them.
 */
export class IndexedHeap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<T, number>();

  constructor(private less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    if (this.index.has(item)) throw new Error('IndexedHeap.push: item already in the heap');
    this.items.push(item);
    this.index.set(item, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const n = this.items.length;
    if (n === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** Removes the item if present; returns whether it was. */
  remove(item: T): boolean {
    const i = this.index.get(item);
    if (i === undefined) return false;
    this.removeAt(i);
    return true;
  }

  /** Restores order after the item's key changed. */
  update(item: T): void {
    const i = this.index.get(item);
    if (i === undefined) return;
    this.up(i);
    this.down(this.index.get(item)!);
  }

  /** Re-orders everything under a new comparison (O(n)). */
  reorder(less: (a: T, b: T) => boolean): void {
    this.less = less;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  clear(): void {
    this.items.length = 0;
    this.index.clear();
  }

  /** The items in heap order (not sorted). */
  values(): readonly T[] {
    return this.items;
  }

  private removeAt(i: number): void {
    this.index.delete(this.items[i]);
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      this.index.set(last, i);
      this.up(i);
      this.down(this.index.get(last)!);
    }
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(item, items[parent])) break;
      items[i] = items[parent];
      this.index.set(items[i], i);
      i = parent;
    }
    items[i] = item;
    this.index.set(item, i);
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(items[r], items[l]) ? r : l;
      if (!this.less(items[child], item)) break;
      items[i] = items[child];
      this.index.set(items[i], i);
      i = child;
    }
    items[i] = item;
    this.index.set(item, i);
  }
}

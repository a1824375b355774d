/** An item that can sit in one IndexedHeap at a time; the heap keeps its position in `heapIndex` (-1 when out). */
export interface HeapItem {
  heapIndex: number;
}

/**
 * An indexed binary min-heap: push, pop, peek, remove and update of any item in O(log n).
 * The position lives on the item itself (no side map), which keeps pushes allocation-free.
 */
export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  constructor(private less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    if (this.has(item)) throw new Error('IndexedHeap.push: item already in the heap');
    this.items.push(item);
    this.up(this.items.length - 1, item);
  }

  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** Removes the item if present; returns whether it was. */
  remove(item: T): boolean {
    if (!this.has(item)) return false;
    this.removeAt(item.heapIndex);
    return true;
  }

  /** Restores order after the item's key changed. */
  update(item: T): void {
    if (!this.has(item)) return;
    this.up(item.heapIndex, item);
    this.down(item.heapIndex, item);
  }

  /** Re-orders everything under a new comparison (O(n)). */
  reorder(less: (a: T, b: T) => boolean): void {
    this.less = less;
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i, this.items[i]);
  }

  /** Adds many items at once in O(n) (bottom-up heapify). */
  pushAll(items: readonly T[]): void {
    for (const it of items) {
      if (this.has(it)) throw new Error('IndexedHeap.pushAll: item already in the heap');
      it.heapIndex = this.items.length;
      this.items.push(it);
    }
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i, this.items[i]);
  }

  clear(): void {
    for (const it of this.items) it.heapIndex = -1;
    this.items.length = 0;
  }

  /** The items in heap order (not sorted). */
  values(): readonly T[] {
    return this.items;
  }

  private removeAt(i: number): void {
    const removed = this.items[i];
    removed.heapIndex = -1;
    const last = this.items.pop()!;
    if (i < this.items.length) {
      this.items[i] = last;
      this.up(i, last);
      this.down(last.heapIndex, last);
    }
  }

  private up(i: number, item: T): void {
    const items = this.items;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!this.less(item, p)) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number, item: T): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(items[r], items[l]) ? r : l;
      const c = items[child];
      if (!this.less(c, item)) break;
      items[i] = c;
      c.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}

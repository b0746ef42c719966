// An unbounded FIFO queue in fixed-size chunks, for queues of tasks (WorkerPool, the group
// family): every push/shift is O(1) and growing never copies. A ring buffer (ring.ts) grows by
// copying into one array twice the size: ever larger allocations (past 128 KiB V8 puts them in
// large-object space) and a copy loop that runs too rarely to be optimised, a fifth of a
// 10,000-task WorkerPool batch. Chunks start at the size asked for and double up to MAX_CHUNK
// (8 KiB of slots), and one emptied chunk is kept for reuse, so a queue that fills and drains over
// and over allocates nothing in the steady state. Channel buffers stay in a Ring: they are bounded
// by their capacity, and their hot path (one array, masked indices) measured steadier in select.

const MAX_CHUNK = 1024;

class Chunk<T> {
  readonly items: (T | undefined)[];
  /** items.length, kept as a field so push reads no array length. */
  readonly cap: number;
  /** Next slot to read. */
  head = 0;
  /** Next slot to write. */
  tail = 0;
  next: Chunk<T> | null = null;

  constructor(n: number) {
    this.items = new Array<T | undefined>(n);
    this.cap = n;
  }
}

export class ChunkQueue<T> {
  #first: Chunk<T>;
  #last: Chunk<T>;
  #spare: Chunk<T> | null = null;
  #size = 0;

  constructor(initial = 8) {
    this.#first = this.#last = new Chunk<T>(Math.max(2, Math.min(initial, MAX_CHUNK)));
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    let c = this.#last;
    if (c.tail === c.cap) c = this.#addChunk(c);
    c.items[c.tail++] = item;
    this.#size++;
  }

  /** Removes and returns the oldest item; the caller checks `size` first. */
  shift(): T {
    const c = this.#first;
    const i = c.head;
    const item = c.items[i] as T;
    c.items[i] = undefined; // drop the reference so the queue never keeps values alive
    this.#size--;
    if (i + 1 < c.tail) {
      c.head = i + 1;
      return item;
    }
    // Emptied: rewind it if it is the only chunk, else move on and keep it for reuse.
    c.head = 0;
    c.tail = 0;
    const next = c.next;
    if (next !== null) {
      c.next = null;
      this.#first = next;
      this.#spare = c;
    }
    return item;
  }

  /** The oldest item without removing it; the caller checks `size` first. */
  peek(): T {
    const c = this.#first;
    return c.items[c.head] as T;
  }

  clear(): void {
    while (this.#size > 0) this.shift();
  }

  #addChunk(last: Chunk<T>): Chunk<T> {
    let c = this.#spare;
    if (c !== null) this.#spare = null;
    else c = new Chunk<T>(Math.min(last.cap * 2, MAX_CHUNK));
    last.next = c;
    this.#last = c;
    return c;
  }
}

// A FIFO ring buffer over a power-of-two array that grows on demand, so a channel of capacity 10^6
// costs nothing until it is used and every push/shift is O(1) (never Array.prototype.shift).

export class Ring<T> {
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #mask: number;

  constructor(initial = 8) {
    let n = 2;
    while (n < initial) n *= 2;
    this.#items = new Array<T | undefined>(n);
    this.#mask = n - 1;
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#items[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Removes and returns the oldest item; the caller checks `size` first. */
  shift(): T {
    const i = this.#head;
    const item = this.#items[i] as T;
    this.#items[i] = undefined; // drop the reference so the buffer never keeps values alive
    this.#head = (i + 1) & this.#mask;
    this.#size--;
    return item;
  }

  /** The oldest item without removing it; the caller checks `size` first. */
  peek(): T {
    return this.#items[this.#head] as T;
  }

  clear(): void {
    while (this.#size > 0) this.shift();
  }

  #grow(): void {
    const old = this.#items;
    const n = old.length;
    const next = new Array<T | undefined>(n * 2);
    for (let k = 0; k < this.#size; k++) next[k] = old[(this.#head + k) & this.#mask];
    this.#items = next;
    this.#head = 0;
    this.#mask = n * 2 - 1;
  }
}

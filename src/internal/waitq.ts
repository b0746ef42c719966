// An intrusive doubly linked FIFO of waiters: enqueue, dequeue and removal of any waiter (a
// cancelled one, or a select's losing case) are all O(1) and allocate nothing beyond the waiter.

/** A waiter that can sit in one WaitQueue at a time; `queue` is where it is now, or null. */
export class QueueNode {
  prev: QueueNode | null = null;
  next: QueueNode | null = null;
  queue: WaitQueue<QueueNode> | null = null;
}

/** Told when a queue turns non-empty or empty (timers use it to keep the process alive). */
export interface QueueWatcher {
  onWaiting(waiting: boolean): void;
}

export class WaitQueue<N extends QueueNode> {
  head: N | null = null;
  tail: N | null = null;
  size = 0;
  watcher: QueueWatcher | null = null;

  push(node: N): void {
    node.queue = this as unknown as WaitQueue<QueueNode>;
    node.prev = this.tail;
    node.next = null;
    if (this.tail === null) this.head = node;
    else this.tail.next = node;
    this.tail = node;
    if (++this.size === 1 && this.watcher !== null) this.watcher.onWaiting(true);
  }

  /** Removes and returns the oldest waiter, or null. */
  shift(): N | null {
    const node = this.head;
    if (node !== null) this.remove(node);
    return node;
  }

  /** Unlinks `node`, which must be in this queue. */
  remove(node: N): void {
    const { prev, next } = node;
    if (prev === null) this.head = next as N | null;
    else prev.next = next;
    if (next === null) this.tail = prev as N | null;
    else next.prev = prev;
    node.prev = null;
    node.next = null;
    node.queue = null;
    if (--this.size === 0 && this.watcher !== null) this.watcher.onWaiting(false);
  }
}

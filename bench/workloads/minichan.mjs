// A reference row, not a library: the smallest channel with gosync's API shape (send and recv each
// return a promise; a send into free space or to a waiting receiver returns a shared resolved
// promise). No close, no select, no cancellation, no diagnostics. Its distance from the baseline is
// what the API shape itself costs; gosync's distance from it is what gosync's features and
// implementation cost.

const RESOLVED = Promise.resolve();

/** Array push/shift: V8 shifts small arrays in O(1) by moving the array's start (left-trimming). */
class Queue {
  items = [];
  get size() {
    return this.items.length;
  }
  push(x) {
    this.items.push(x);
  }
  shift() {
    return this.items.shift();
  }
}

export class MiniChan {
  buf = new Queue();
  receivers = new Queue(); // resolve functions of parked receivers
  senders = new Queue(); // { value, resolve } of parked senders

  constructor(cap = 0) {
    this.cap = cap;
  }

  send(value) {
    if (this.receivers.size > 0) {
      this.receivers.shift()(value);
      return RESOLVED;
    }
    if (this.buf.size < this.cap) {
      this.buf.push(value);
      return RESOLVED;
    }
    return new Promise((resolve) => this.senders.push({ value, resolve }));
  }

  recv() {
    if (this.buf.size > 0) {
      const v = this.buf.shift();
      if (this.senders.size > 0) {
        const s = this.senders.shift();
        this.buf.push(s.value);
        s.resolve();
      }
      return Promise.resolve(v);
    }
    if (this.senders.size > 0) {
      const s = this.senders.shift();
      s.resolve();
      return Promise.resolve(s.value);
    }
    return new Promise((resolve) => this.receivers.push(resolve));
  }
}

export const note =
  "reference, not a library: bench/workloads/minichan.mjs, the smallest channel with gosync's API " +
  "shape (promise-returning send/recv, nothing else); the gap to the baseline is the API shape's cost";

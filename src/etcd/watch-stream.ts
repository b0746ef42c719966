// WatchStream: the Watch handle both backends return (internal). The backend pushes responses in;
// the user pulls them with next(ctx?) or for-await. Unbounded buffer (a watch must never drop an
// event); a failure is reported after the responses buffered before it.

import type { Canceller } from "../chan/context-type.js";
import {
  type CancelListener,
  cancelSourceOf,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import type { ResponseHeader, Watch, WatchResponse } from "./backend.js";
import { EtcdError } from "./errors.js";

interface Waiter extends CancelListener {
  resolve(r: WatchResponse): void;
  reject(e: unknown): void;
  detach(): void;
}

/** @internal */
export class WatchStream implements Watch {
  header: ResponseHeader = { revision: 0n };
  #buf: WatchResponse[] = [];
  #head = 0;
  #waiters: Waiter[] = [];
  #err: Error | null = null;
  #canceledByUser = false;

  constructor(private readonly onCancel: () => void) {}

  get ended(): boolean {
    return this.#err !== null;
  }

  /** Backend side: delivers one response. */
  push(resp: WatchResponse): void {
    if (this.#err !== null) return;
    const w = this.#waiters.shift();
    if (w !== undefined) {
      w.detach();
      w.resolve(resp);
    } else {
      this.#buf.push(resp);
    }
  }

  /** Backend side: ends the watch with an error (after the buffered responses). */
  fail(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    for (const w of this.#waiters.splice(0)) {
      w.detach();
      w.reject(err);
    }
  }

  next(ctx?: Canceller): Promise<WatchResponse> {
    const src = ctx === undefined ? null : cancelSourceOf(ctx);
    if (this.#head < this.#buf.length) {
      const r = this.#buf[this.#head] as WatchResponse; // head < length, checked above
      this.#buf[this.#head++] = undefined as unknown as WatchResponse;
      if (this.#head === this.#buf.length) {
        this.#buf = [];
        this.#head = 0;
      }
      return Promise.resolve(r);
    }
    if (this.#err !== null) return Promise.reject(this.#err);
    if (src !== null) {
      const reason = src[REASON]();
      if (reason !== undefined) return Promise.reject(reason);
    }
    return new Promise<WatchResponse>((resolve, reject) => {
      const waiters = this.#waiters;
      const w: Waiter = {
        resolve,
        reject,
        detach: () => {
          if (src !== null) src[UNSUBSCRIBE](w);
        },
        onCancel: (reason: unknown) => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(reason);
        },
      };
      waiters.push(w);
      if (src !== null) src[SUBSCRIBE](w);
    });
  }

  cancel(): void {
    if (this.#err !== null) return;
    this.#canceledByUser = true;
    this.fail(new EtcdError("watch-canceled", "watch canceled"));
    this.onCancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchResponse> {
    try {
      for (;;) {
        let r: WatchResponse;
        try {
          r = await this.next();
        } catch (e) {
          if (this.#canceledByUser) return;
          throw e;
        }
        yield r;
      }
    } finally {
      this.cancel();
    }
  }
}

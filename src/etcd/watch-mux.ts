// WatchMux (internal): every watch of one connect() backend multiplexed on one gRPC Watch stream, as
// Go's clientv3 does. A watch is a create_request on the shared stream and ends with a
// cancel_request; the stream itself stays open. Opening and cancelling one stream per watch costs an
// HTTP/2 stream each time and — worse — etcd3 treats a cancelled stream as a failed host and closes
// every gRPC channel of that member (`markFailed` → `resetAllServices`), so the next call had to
// reconnect: that alone cut contended Mutex throughput several-fold.
//
// The server answers create requests on a stream in the order it received them (etcd 3.4
// `serverWatchStream.recvLoop` → `ctrlStream`), so a `created` response belongs to the oldest create
// still waiting; events carry the server-assigned watch_id. A stream that fails ends every watch on
// it (the callers re-read and watch again); the next watch opens a new stream. `retire()` makes new
// watches use a fresh stream (e.g. after the auth token was renewed: a stream keeps the token it was
// opened with) and half-closes the old one once its last watch has ended.

import type { Duplex, PObj, PWatchResponse } from "./etcd3-wire.js";

interface MuxWatch {
  /** The create response: the watch is registered. */
  created(res: PWatchResponse): void;
  /** A response with events for this watch. */
  events(res: PWatchResponse): void;
  /** The server refused or cancelled the watch, or the stream failed. Called at most once. */
  failed(err: unknown, res: PWatchResponse | null): void;
}

/** A handle on one watch of the mux: `cancel()` sends the cancel_request (or drops a pending create). */
interface MuxHandle {
  cancel(): void;
}

interface Entry {
  readonly w: MuxWatch;
  id: string | null;
  cancelled: boolean;
  done: boolean;
}

class Stream {
  readonly pending: Entry[] = [];
  readonly live = new Map<string, Entry>();
  retired = false;
  dead = false;
  constructor(readonly s: Promise<Duplex<PObj, PWatchResponse>>) {}
  get idle(): boolean {
    return this.pending.length === 0 && this.live.size === 0;
  }
}

export class WatchMux {
  #cur: Stream | null = null;
  #closed = false;

  constructor(
    private readonly open: () => Promise<Duplex<PObj, PWatchResponse>>,
    private readonly toError: (e: unknown) => unknown,
  ) {}

  /** Registers a watch: writes its create_request on the current stream (opening one if needed). */
  watch(create: PObj, w: MuxWatch): MuxHandle {
    const st = this.#stream();
    const e: Entry = { w, id: null, cancelled: false, done: false };
    st.pending.push(e);
    st.s.then(
      (s) => {
        if (!st.dead) s.write({ create_request: create });
      },
      () => {}, // reported through #fail
    );
    return {
      cancel: () => {
        if (e.cancelled) return;
        e.cancelled = true;
        e.done = true;
        if (e.id !== null) {
          st.live.delete(e.id);
          const id = e.id;
          st.s.then((s) => {
            if (!st.dead) s.write({ cancel_request: { watch_id: id } });
          }, noop);
          this.#maybeEnd(st);
        }
        // still pending: cancelled once its created response arrives
      },
    };
  }

  /** New watches go to a new stream; the current one ends once its last watch has ended. */
  retire(): void {
    const st = this.#cur;
    if (st === null) return;
    this.#cur = null;
    st.retired = true;
    this.#maybeEnd(st);
  }

  /** Ends every watch with `err` and tears the stream down. */
  close(err: unknown): void {
    this.#closed = true;
    const st = this.#cur;
    this.#cur = null;
    if (st !== null) this.#fail(st, err, true);
  }

  #stream(): Stream {
    if (this.#cur !== null && !this.#cur.dead) return this.#cur;
    const st = new Stream(this.open());
    this.#cur = st;
    st.s.then(
      (s) => {
        if (st.dead) {
          cancelQuietly(s);
          return;
        }
        s.on("data", (res) => this.#data(st, s, res));
        s.on("error", (e) => this.#fail(st, this.toError(e), false));
        s.on("end", () =>
          this.#fail(st, this.toError(new Error("UNAVAILABLE: etcd watch stream ended")), false),
        );
      },
      (e: unknown) => this.#fail(st, this.toError(e), false),
    );
    return st;
  }

  #data(st: Stream, s: Duplex<PObj, PWatchResponse>, res: PWatchResponse): void {
    if (res.created) {
      const e = st.pending.shift();
      if (e === undefined) return; // not ours (cannot happen: creates are answered in order)
      if (res.canceled || res.watch_id === "-1") {
        e.done = true;
        if (!e.cancelled) e.w.failed(null, res);
        this.#maybeEnd(st);
        return;
      }
      if (e.cancelled) {
        s.write({ cancel_request: { watch_id: res.watch_id } });
        this.#maybeEnd(st);
        return;
      }
      e.id = res.watch_id;
      st.live.set(res.watch_id, e);
      e.w.created(res);
      if (res.events.length > 0) e.w.events(res);
      return;
    }
    const e = st.live.get(res.watch_id);
    if (e === undefined) return; // a watch we cancelled: its last events and the cancel response
    if (res.canceled) {
      st.live.delete(res.watch_id);
      e.done = true;
      e.w.failed(null, res);
      this.#maybeEnd(st);
      return;
    }
    if (res.events.length > 0) e.w.events(res);
  }

  #fail(st: Stream, err: unknown, cancel: boolean): void {
    if (st.dead) return;
    st.dead = true;
    if (this.#cur === st) this.#cur = null;
    const all = [...st.pending, ...st.live.values()];
    st.pending.length = 0;
    st.live.clear();
    for (const e of all) {
      if (e.done) continue;
      e.done = true;
      e.w.failed(err, null);
    }
    if (cancel) st.s.then(cancelQuietly, noop);
  }

  #maybeEnd(st: Stream): void {
    if (!(st.retired || this.#closed) || !st.idle || st.dead) return;
    st.dead = true;
    // Half-close: the server ends the stream cleanly (no CANCELLED error, so etcd3 keeps the channel).
    st.s.then((s) => s.end(), noop);
  }
}

function noop(): void {}

function cancelQuietly(s: Duplex<PObj, PWatchResponse>): void {
  try {
    s.cancel();
  } catch {
    // already gone
  }
}

// waitDeletes (internal): the waiting rule shared by Mutex, Election and RWMutex (Go's
// concurrency.waitDeletes / the recipes' waitOnLastRev): wait until no key under the prefix with a
// create (or mod) revision ≤ maxRev is left. The on-etcd protocol is Go's — the same keys, the same
// order — only the way of learning about the deletes differs, which the protocol leaves to the
// client (etcd's mvcc/watchable_store.go; Go's clientv3/concurrency/key.go waitDelete):
//
// - Go watches the immediate predecessor from the revision of its read. etcd serves such a watch from
//   an "unsynced" catch-up loop that runs every 100 ms, so every hand-off under contention can cost up
//   to 100 ms; and every wake-up costs a new read and a new watch.
// - Here every waiter of one backend on one prefix shares one watch of the prefix's deletes, started
//   at "now" (synced at once, no 100 ms delay). A waiter reads the keys older than its own (the Mutex
//   gets them in its acquire txn, at no extra round trip), then strikes each one off as its delete
//   arrives; when none is left it holds the lock — no read and no watch per hand-off. The watch
//   starts before the read (or the read is repeated once it has started), and it keeps a short
//   history of deletes, so no delete after the read can be missed. Its own key's delete (session
//   lost, lease revoked) fails the wait with session-expired: the post-wait ownership check Go 3.4
//   lacks comes for free (an RWMutex reader's key lies outside the watched `write` prefix: it is
//   checked by one more read before the wait returns).
// - A failed watch (etcd restarted, member gone) or an unreachable etcd is not the end: the waiter
//   backs off, watches again, reads again and goes on waiting, until its ctx or session ends.
//
// The cost: each process with waiters on a prefix receives every delete under that prefix (once per
// process, not per waiter), where Go wakes one waiter per release.

import { orAbort } from "./abort.js";
import type { Backend, KeyValue, ResponseHeader, Watch } from "./backend.js";
import { binaryString, compareBytes, prefixEnd } from "./bytes.js";
import { EtcdError } from "./errors.js";
import { pause, transient } from "./retry.js";

export interface Own {
  readonly key: Uint8Array;
  readonly rev: bigint;
}

/** The keys under the prefix as read at `rev` (e.g. inside the acquire txn): lets the wait skip its first read. */
export interface FirstRead {
  readonly rev: bigint;
  readonly kvs: readonly KeyValue[];
  /** The read was cut short by its limit: more (older) keys may exist. */
  readonly more: boolean;
}

/** How many older keys one read fetches (keys only); more waiters than this cost one extra read each. */
export const OLDER_LIMIT = 128;
/** Deletes kept for waiters whose read was answered before the delete's event arrived. */
const HISTORY = 256;
/** A watcher nobody waits on stays open this long, so the next waiter needs no new watch and read. */
const LINGER_MS = 2000;

interface Sub {
  readonly after: bigint;
  onDelete(id: string, rev: bigint): void;
  onFail(err: unknown): void;
}

/** One watch of the deletes under a prefix, shared by the waiters of one backend. */
class PrefixWatcher {
  refs = 0;
  /** Every delete with a revision above this was received (and is in `history` or was trimmed later). */
  from = -1n;
  readonly history: { id: string; rev: bigint }[] = [];
  readonly subs = new Set<Sub>();
  readonly ready: Promise<void>;
  #watch: Watch | null = null;
  #dead = false;
  #linger: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly b: Backend,
    readonly pfx: Uint8Array,
    private readonly unregister: () => void,
  ) {
    this.ready = this.#start();
    this.ready.catch(() => {});
  }

  async #start(): Promise<void> {
    let w: Watch;
    try {
      w = await this.b.watch({ key: this.pfx, end: prefixEnd(this.pfx), noPut: true });
    } catch (e) {
      this.#fail(e);
      throw e;
    }
    if (this.#dead) {
      w.cancel();
      throw new EtcdError("watch-canceled", "watch canceled");
    }
    this.#watch = w;
    this.from = w.header.revision;
    void this.#pump(w);
  }

  async #pump(w: Watch): Promise<void> {
    try {
      for (;;) {
        const resp = await w.next();
        for (const e of resp.events) {
          if (e.type !== "delete") continue;
          const id = binaryString(e.kv.key);
          const rev = e.kv.modRevision;
          this.history.push({ id, rev });
          for (const s of this.subs) if (rev > s.after) s.onDelete(id, rev);
        }
        this.#trim(HISTORY);
      }
    } catch (e) {
      this.#fail(e);
    }
  }

  #trim(keep: number): void {
    const drop = this.history.length - keep;
    if (drop <= 0) return;
    const last = this.history[drop - 1];
    if (last !== undefined && last.rev > this.from) this.from = last.rev;
    this.history.splice(0, drop);
  }

  /** Whether every delete after `rev` reaches a subscriber that starts now. */
  covers(rev: bigint): boolean {
    return !this.#dead && this.#watch !== null && this.from <= rev;
  }

  /** Replays the deletes after `sub.after` seen so far, then delivers new ones. */
  subscribe(sub: Sub): () => void {
    this.subs.add(sub);
    for (const h of this.history) if (h.rev > sub.after) sub.onDelete(h.id, h.rev);
    return () => this.subs.delete(sub);
  }

  acquire(): void {
    this.refs++;
    if (this.#linger !== null) {
      clearTimeout(this.#linger);
      this.#linger = null;
    }
  }

  release(): void {
    if (--this.refs > 0 || this.#dead) return;
    this.#linger = setTimeout(() => this.#close(), LINGER_MS);
    (this.#linger as { unref?: () => void }).unref?.();
  }

  #close(): void {
    if (this.refs > 0 || this.#dead) return;
    this.#dead = true;
    this.unregister();
    this.#watch?.cancel();
  }

  #fail(err: unknown): void {
    if (this.#dead) return;
    this.#dead = true;
    this.unregister();
    if (this.#linger !== null) clearTimeout(this.#linger);
    for (const s of [...this.subs]) s.onFail(err);
    this.subs.clear();
  }
}

const registry = new WeakMap<Backend, Map<string, PrefixWatcher>>();

function watcherFor(b: Backend, pfx: Uint8Array): PrefixWatcher {
  let m = registry.get(b);
  if (m === undefined) {
    m = new Map();
    registry.set(b, m);
  }
  const id = binaryString(pfx);
  let w = m.get(id);
  if (w === undefined) {
    const map = m;
    const created: PrefixWatcher = new PrefixWatcher(b, pfx, () => {
      if (map.get(id) === created) map.delete(id);
    });
    w = created;
    m.set(id, w);
  }
  w.acquire();
  return w;
}

/**
 * Waits until no key under `pfx` with a create revision ≤ maxRev is left (by = "create", Mutex and
 * Election), or with a mod revision ≤ maxRev (by = "mod", the recipes' RWMutex). Fails with
 * session-expired as soon as the waiter's own key is gone. `firstRead`: the keys under `pfx` as read
 * at some revision after `own` was written (saves the first read). Resolves to the header of the read
 * that found nothing older, or with the revision of the delete that removed the last older key.
 */
export async function waitDeletes(
  b: Backend,
  pfx: Uint8Array,
  maxRev: bigint,
  own: Own,
  signal: AbortSignal,
  by: "create" | "mod" = "create",
  firstRead?: FirstRead,
): Promise<ResponseHeader> {
  const end = prefixEnd(pfx);
  const ownId = binaryString(own.key);
  const ownWatched = compareBytes(own.key, pfx) >= 0 && compareBytes(own.key, end) < 0;
  const revOf = (kv: KeyValue): bigint => (by === "create" ? kv.createRevision : kv.modRevision);
  let backoff = 50;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const watcher = watcherFor(b, pfx);
    try {
      await orAbort(watcher.ready, signal);
      let at: bigint;
      let kvs: readonly KeyValue[];
      let more: boolean;
      if (firstRead !== undefined && watcher.covers(firstRead.rev)) {
        ({ rev: at, kvs, more } = firstRead);
      } else {
        const r = await orAbort(
          b.txn({
            success: [
              {
                type: "range",
                key: pfx,
                end,
                keysOnly: true,
                sortTarget: by,
                sortOrder: "descend",
                limit: OLDER_LIMIT,
                ...(by === "create" ? { maxCreateRevision: maxRev } : { maxModRevision: maxRev }),
              },
              { type: "range", key: own.key, keysOnly: true },
            ],
          }),
          signal,
        );
        const [older, mine] = r.responses;
        const kv = mine?.type === "range" ? mine.kvs[0] : undefined;
        if (kv === undefined || revOf(kv) !== own.rev) {
          throw new EtcdError(
            "session-expired",
            "session: own key deleted while waiting (session expired or revoked)",
          );
        }
        if (older?.type !== "range") throw new EtcdError("unknown", "waitDeletes: bad txn response");
        at = r.header.revision;
        kvs = older.kvs;
        more = older.more;
      }
      firstRead = undefined;
      const pending = new Set<string>();
      for (const kv of kvs) if (revOf(kv) <= maxRev) pending.add(binaryString(kv.key));
      if (pending.size === 0 && !more) return { revision: at };
      if (pending.size > 0) {
        const last = await waitAll(watcher, at, pending, ownId, signal);
        // The own key's delete is seen only if it lies under `pfx` (an RWMutex reader's does not):
        // otherwise read once more, which checks it.
        if (!more && ownWatched) return { revision: last };
      }
      backoff = 50; // read again: more older keys than one read returns, or the own key to check
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      if (!transient(e)) throw e;
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, 1000);
    } finally {
      watcher.release();
    }
  }
}

/** Resolves with the revision of the delete that empties `pending` (deletes after revision `after`). */
function waitAll(
  w: PrefixWatcher,
  after: bigint,
  pending: Set<string>,
  ownId: string,
  signal: AbortSignal,
): Promise<bigint> {
  return new Promise<bigint>((resolve, reject) => {
    let unsub: (() => void) | null = null;
    let done = false;
    const finish = (f: () => void): void => {
      if (done) return;
      done = true;
      unsub?.();
      signal.removeEventListener("abort", onAbort);
      f();
    };
    const onAbort = (): void => finish(() => reject(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    unsub = w.subscribe({
      after,
      onDelete: (id, rev) => {
        if (id === ownId) {
          finish(() =>
            reject(
              new EtcdError(
                "session-expired",
                "session: own key deleted while waiting (session expired or revoked)",
              ),
            ),
          );
        } else if (pending.delete(id) && pending.size === 0) {
          finish(() => resolve(rev));
        }
      },
      onFail: (err) => finish(() => reject(err)),
    });
    if (done) unsub();
    if (signal.aborted) onAbort();
  });
}

/** Waits for `kv` (as read at revision `readRev`) to be deleted. */
export async function waitDelete(
  b: Backend,
  kv: KeyValue,
  readRev: bigint,
  signal: AbortSignal,
): Promise<void> {
  const w = await b.watch({ key: kv.key, noPut: true }, signal);
  try {
    if (w.header.revision !== readRev) {
      // Writes happened between the read and the watch: is the predecessor still there?
      const again = await b.range({ key: kv.key });
      if (again.kvs[0]?.createRevision !== kv.createRevision) return;
    }
    for (;;) {
      const resp = await w.next(signal);
      if (resp.events.some((e) => e.type === "delete")) return;
    }
  } finally {
    w.cancel();
  }
}

/**
 * Waits until a key under `pfx` is put after revision `readRev` (the revision of the caller's last
 * read, which found nothing to take). Returns at once if anything was written since that read: the
 * caller reads again. No unsynced watch, so no 100 ms delay.
 */
export async function waitPut(
  b: Backend,
  pfx: Uint8Array,
  readRev: bigint,
  signal: AbortSignal,
): Promise<void> {
  const w = await b.watch({ key: pfx, end: prefixEnd(pfx), noDelete: true }, signal);
  try {
    if (w.header.revision !== readRev) return;
    await w.next(signal);
  } finally {
    w.cancel();
  }
}

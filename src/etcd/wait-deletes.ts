// waitDeletes (internal): the waiting rule shared by Mutex and Election (Go's concurrency.waitDeletes):
// wait until no key under the prefix with create revision ≤ maxRev is left, watching only the
// newest such key (the immediate predecessor), so one release wakes one waiter.
//
// Differs from Go 3.4 in two ways the issue asks for, without changing the on-etcd protocol:
// 1. The predecessor read also reads the waiter's own key in the same (read-only) txn, so a waiter
//    whose key vanished (session expired, lease revoked) fails with session-expired instead of
//    reporting a lock or leadership it does not hold.
// 2. No unsynced watch: Go watches from the read's revision, which etcd serves from a 100 ms catch-up
//    loop. Here the watch starts at "now" (synced at once); if anything was written between the read
//    and the watch's start, the predecessor is read again before waiting, so no delete is missed.

import type { Backend, KeyValue, ResponseHeader } from "./backend.js";
import { prefixEnd } from "./bytes.js";
import { EtcdError } from "./errors.js";

export interface Own {
  readonly key: Uint8Array;
  readonly rev: bigint;
}

/**
 * Waits until no key under `pfx` with a create revision ≤ maxRev is left (by = "create", Mutex and
 * Election), or with a mod revision ≤ maxRev (by = "mod", the recipes' RWMutex). Fails with
 * session-expired as soon as the waiter's own key is gone.
 */
export async function waitDeletes(
  b: Backend,
  pfx: Uint8Array,
  maxRev: bigint,
  own: Own,
  signal: AbortSignal,
  by: "create" | "mod" = "create",
): Promise<ResponseHeader> {
  const end = prefixEnd(pfx);
  const filter = by === "create" ? { maxCreateRevision: maxRev } : { maxModRevision: maxRev };
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const r = await b.txn({
      success: [
        {
          type: "range",
          key: pfx,
          end,
          sortTarget: by,
          sortOrder: "descend",
          limit: 1,
          ...filter,
        },
        { type: "range", key: own.key },
      ],
    });
    const [pred, mine] = r.responses;
    const kv = mine?.type === "range" ? mine.kvs[0] : undefined;
    if (kv === undefined || (by === "create" ? kv.createRevision : kv.modRevision) !== own.rev) {
      throw new EtcdError(
        "session-expired",
        "session: own key deleted while waiting (session expired or revoked)",
      );
    }
    if (pred?.type !== "range" || pred.kvs.length === 0) return r.header;
    await waitDelete(b, pred.kvs[0]!, r.header.revision, signal);
  }
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

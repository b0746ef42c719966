// deleteOwnKey (internal): how Mutex and Election remove a session's own key (`pfx + "/" + lease`),
// which the same session creates again on its next lock() or campaign().
//
// Never an unconditional delete: a delete whose answer was lost (a member paused, killed or cut off
// with the request in its socket buffer) can still be applied later — after the caller retried it and
// after its session's next lock() created the same key again — and it would remove that new key: a
// waiter then finds its key gone while its session lives, or a holder loses the lock unawares. With
// the create revision compared (as Go's Election.Resign does) the late copy is a no-op, so the delete
// is safe to retry and to leave in flight.

import type { Backend } from "./backend.js";

/**
 * Deletes `key` if its create revision is `rev`. `rev` null: the request that created the key was
 * never answered — read the key first and delete what is there now.
 */
export async function deleteOwnKey(b: Backend, key: Uint8Array, rev: bigint | null): Promise<void> {
  if (rev === null) {
    const kv = (await b.range({ key, keysOnly: true })).kvs[0];
    if (kv === undefined) return;
    rev = kv.createRevision;
  }
  await b.txn({
    compare: [{ key, target: "create", result: "=", value: rev }],
    success: [{ type: "delete", key }],
  });
}

// Test-only views of a channel's wait queues (not exported by the package): property tests use them
// to check that a cancelled or losing operation left nothing queued.

interface Queued {
  readonly recvq: { readonly size: number };
  readonly sendq: { readonly size: number };
}

/** How many receivers (or select receive cases) are queued on the channel. */
export function waitingReceivers(ch: object): number {
  return (ch as Queued).recvq.size;
}

/** How many senders (or select send cases) are queued on the channel. */
export function waitingSenders(ch: object): number {
  return (ch as Queued).sendq.size;
}

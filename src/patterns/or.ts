// or: the Or-Done pattern of smallnest's Go 并发编程实战课 lesson 14 (`func or(channels ...<-chan interface{})`): a channel
// that closes as soon as any of N signals is done. Implemented like the lesson's reflect.Select variant:
// one task, one select over every signal.
//
// Bug avoided: the lesson's recursive version starts a goroutine per split, and when one signal
// fires, the goroutines waiting on the other half's signals stay blocked forever (a leak of ~N tasks
// per call). Here there is one task; when a signal fires its select unlinks every other case, so
// nothing stays registered on the other signals and the task ends. Like Go's version, a value
// received from a signal channel (rather than its close) also counts, and is consumed.

import { Chan } from "../chan/chan.js";
import { recv, type SelectCase, select } from "../chan/select.js";
import { go } from "../task/go.js";
import { closeIfOpen, type Done, type DoneChan, doneOf } from "./scope.js";

/**
 * The first of N signals: a channel closed as soon as any of `signals` is done (a Context, an
 * AbortSignal, or a channel that is closed or receives a value). With no signal that can ever fire
 * (none, or only `background()`), the result never closes and no task is started.
 *
 * @example
 * ```ts
 * await or(userCtx, shutdownCtx, after(5000)).recv(); // whichever comes first
 * ```
 */
export function or(...signals: Done[]): Chan<never> {
  const out = new Chan<never>(0, "or");
  const dones: DoneChan[] = [];
  const release = (): void => {
    for (const d of dones) d.release();
  };
  try {
    for (const s of signals) dones.push(doneOf(s));
  } catch (e) {
    release();
    throw e;
  }
  const cases: SelectCase<void>[] = [];
  for (const d of dones) {
    if (d.ch === null) continue;
    if (d.ch.closed) {
      release();
      closeIfOpen(out);
      return out;
    }
    cases.push(recv(d.ch, noop));
  }
  if (cases.length === 0) return out;
  go(async function or(): Promise<void> {
    try {
      await select(...cases);
    } finally {
      release();
      closeIfOpen(out);
    }
  });
  return out;
}

function noop(): void {}

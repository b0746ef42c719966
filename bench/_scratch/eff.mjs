import { Effect, Queue, Fiber } from "effect";
const N = 100000;
const prog = Effect.gen(function* () {
  const ping = yield* Queue.bounded(0);
  const pong = yield* Queue.bounded(0);
  const b = yield* Effect.forkChild(Effect.gen(function* () {
    for (let i = 0; i < N; i++) { const v = yield* Queue.take(ping); yield* Queue.offer(pong, v); }
  }));
  for (let i = 0; i < N; i++) { yield* Queue.offer(ping, i); yield* Queue.take(pong); }
  yield* Fiber.join(b);
});
let t = performance.now(); await Effect.runPromise(prog); console.log("pingpong ns/rt", (performance.now()-t)*1e6/N);
t = performance.now(); await Effect.runPromise(prog); console.log("pingpong ns/rt", (performance.now()-t)*1e6/N);
// select via race
const sel = Effect.gen(function* () {
  const a = yield* Queue.bounded(N); const b = yield* Queue.bounded(N);
  for (let i = 0; i < N; i++) { Queue.offerUnsafe(a, i); Queue.offerUnsafe(b, i); }
  const M = N/2;
  for (let i = 0; i < M; i++) { yield* Effect.raceFirst(Queue.take(a), Queue.take(b)); }
  const sa = yield* Queue.size(a), sb = yield* Queue.size(b);
  console.log("taken", 2*N - sa - sb, "selects", M, "from a", N-sa, "from b", N-sb);
});
t = performance.now(); await Effect.runPromise(sel); console.log("select ns", (performance.now()-t)*1e6/(N/2));

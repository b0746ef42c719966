// Workload 4: cancellation. (a) create a cancellable context and cancel it; (b) build a tree of 1,000
// cancellable children under one root and cancel the root, one operation being one whole tree.
// Both are synchronous, so the timed function is a plain loop. Every context made is stored in `sink`
// so that V8 cannot prove the work useless and drop it.
import { setMaxListeners } from "node:events";

export const title = "4. Context create + cancel";
export const aboutSingle =
  "`withCancel(background())` then `cancel()`, per pair. Peer: `AbortController`, the platform's " +
  "cancellation token, created and aborted. Channel libraries without a cancellation primitive are " +
  "left out.";
export const aboutTree =
  "1,000 `withCancel(root)` children, then cancel the root; one operation is one whole tree. Peers: " +
  "`AbortSignal.any([parent])` per child (Node ≥ 20.3), or per child an `AbortController` that a " +
  "listener on the parent's signal aborts.";

const CHILDREN = 1000;
let sink;

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsSingle(g, why) {
  const gosync = { lib: "gosync", name: "withCancel(background()) + cancel()", bar: { ns: 1000 } };
  return [
    {
      lib: "baseline",
      name: "new AbortController() + abort()",
      baseline: true,
      make: (n) => () => {
        let cancelled = 0;
        for (let i = 0; i < n; i++) {
          const ac = new AbortController();
          ac.abort();
          if (ac.signal.aborted) cancelled++;
          sink = ac;
        }
        return cancelled;
      },
    },
    {
      lib: "platform",
      name: "new AbortController() + abort(sharedReason)",
      note:
        "abort() with no reason builds a new DOMException, stack trace included, which is most of the " +
        "baseline's cost; a shared reason is what gosync's preallocated `Canceled` sentinel compares to",
      make: (n) => {
        const reason = new Error("context canceled");
        return () => {
          let cancelled = 0;
          for (let i = 0; i < n; i++) {
            const ac = new AbortController();
            ac.abort(reason);
            if (ac.signal.aborted) cancelled++;
            sink = ac;
          }
          return cancelled;
        };
      },
    },
    g
      ? {
          ...gosync,
          make: (n) => {
            const bg = g.background();
            return () => {
              let cancelled = 0;
              for (let i = 0; i < n; i++) {
                const [ctx, cancel] = g.withCancel(bg);
                cancel();
                if (ctx.err() !== null) cancelled++;
                sink = ctx;
              }
              return cancelled;
            };
          },
        }
      : { ...gosync, na: why },
    {
      lib: "effect",
      name: "—",
      na: "no free-standing cancellation token; cancellation is fiber interruption (not comparable)",
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsTree(g, why) {
  const gosync = { lib: "gosync", name: "1,000 × withCancel(root), cancel root", bar: { ns: 600_000 } };
  return [
    {
      lib: "baseline",
      name: "1,000 × AbortSignal.any([root.signal]), abort root",
      baseline: true,
      make: (n) => () => {
        let cancelled = 0;
        for (let i = 0; i < n; i++) {
          const root = new AbortController();
          // The children are kept in an array: AbortSignal.any holds them only weakly, and a tree
          // nobody can reach measures the garbage collector rather than cancellation.
          const kids = new Array(CHILDREN);
          for (let k = 0; k < CHILDREN; k++) kids[k] = AbortSignal.any([root.signal]);
          root.abort();
          if (kids[0].aborted && kids[CHILDREN - 1].aborted) cancelled++;
          sink = kids;
        }
        return cancelled;
      },
    },
    g
      ? {
          ...gosync,
          make: (n) => {
            const bg = g.background();
            return () => {
              let cancelled = 0;
              for (let i = 0; i < n; i++) {
                const [root, cancel] = g.withCancel(bg);
                const kids = new Array(CHILDREN);
                for (let k = 0; k < CHILDREN; k++) kids[k] = g.withCancel(root)[0];
                cancel();
                if (kids[0].err() !== null && kids[CHILDREN - 1].err() !== null) cancelled++;
                sink = kids;
              }
              return cancelled;
            };
          },
        }
      : { ...gosync, na: why },
    {
      lib: "platform",
      name: "1,000 × AbortController linked by 'abort' listener",
      note: "the pre-AbortSignal.any idiom: each child controller aborts when the parent signal fires",
      make: (n) => () => {
        let cancelled = 0;
        for (let i = 0; i < n; i++) {
          const root = new AbortController();
          // Without this Node prints a "possible EventTarget memory leak" warning per tree, which
          // costs far more than the tree; a program with 1,000 listeners on purpose would do the same.
          setMaxListeners(CHILDREN + 1, root.signal);
          const kids = new Array(CHILDREN);
          for (let k = 0; k < CHILDREN; k++) {
            const child = new AbortController();
            root.signal.addEventListener("abort", () => child.abort(root.signal.reason), { once: true });
            kids[k] = child;
          }
          root.abort();
          if (kids[0].signal.aborted && kids[CHILDREN - 1].signal.aborted) cancelled++;
          sink = kids;
        }
        return cancelled;
      },
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}

/** Keeps `sink` observable so the stores above are not dead code. */
export const touched = () => sink !== undefined;

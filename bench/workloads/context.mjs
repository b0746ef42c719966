// Workload 4: cancellation. (a) create a cancellable context and cancel it; (b) build a tree of 1,000
// cancellable children under one root and cancel the root, one operation being one whole tree.
// Both are synchronous, so the timed function is a plain loop. Every context made is stored in `sink`
// so that V8 cannot prove the work useless and drop it.

export const title = "4. Context create + cancel";
export const about =
  "(a) `withCancel(background())` then `cancel()`, per pair. (b) 1,000 `withCancel(root)` children, " +
  "then cancel the root, per tree. Peers: `AbortController` (the platform's cancellation token) and, " +
  "for trees, `AbortSignal.any([parent])` (Node ≥ 20.3) or a listener that aborts a child controller. " +
  "Channel libraries without a cancellation primitive are left out.";

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
        for (let i = 0; i < n; i++) {
          const ac = new AbortController();
          ac.abort();
          sink = ac;
        }
      },
    },
    g
      ? {
          ...gosync,
          make: (n) => {
            const bg = g.background();
            return () => {
              for (let i = 0; i < n; i++) {
                const [ctx, cancel] = g.withCancel(bg);
                cancel();
                sink = ctx;
              }
            };
          },
        }
      : { ...gosync, na: why },
    {
      lib: "effect",
      name: "—",
      na: "no free-standing cancellation token; cancellation is fiber interruption (not comparable)",
    },
  ];
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
        for (let i = 0; i < n; i++) {
          const root = new AbortController();
          // The children are kept in an array: AbortSignal.any holds them only weakly, and a tree
          // nobody can reach measures the garbage collector rather than cancellation.
          const kids = new Array(CHILDREN);
          for (let k = 0; k < CHILDREN; k++) kids[k] = AbortSignal.any([root.signal]);
          root.abort();
          sink = kids;
        }
      },
    },
    g
      ? {
          ...gosync,
          make: (n) => {
            const bg = g.background();
            return () => {
              for (let i = 0; i < n; i++) {
                const [root, cancel] = g.withCancel(bg);
                const kids = new Array(CHILDREN);
                for (let k = 0; k < CHILDREN; k++) kids[k] = g.withCancel(root)[0];
                cancel();
                sink = kids;
              }
            };
          },
        }
      : { ...gosync, na: why },
    {
      lib: "platform",
      name: "1,000 × AbortController linked by 'abort' listener",
      note: "the pre-AbortSignal.any idiom: each child controller aborts when the parent signal fires",
      make: (n) => () => {
        for (let i = 0; i < n; i++) {
          const root = new AbortController();
          const kids = new Array(CHILDREN);
          for (let k = 0; k < CHILDREN; k++) {
            const child = new AbortController();
            root.signal.addEventListener("abort", () => child.abort(root.signal.reason), { once: true });
            kids[k] = child;
          }
          root.abort();
          sink = kids;
        }
      },
    },
  ];
}

/** Keeps `sink` observable so the stores above are not dead code. */
export const touched = () => sink !== undefined;

// The tour's progress bar: one line on stderr, redrawn in place (`\r`), only when stderr is a
// terminal, so piped output and the tests see nothing of it. Twenty lines do not justify a
// dependency.

import type { Progress } from "./registry.js";

const WIDTH = 30;

/** A Progress drawing `label [#######.......]  42%` on a terminal; nothing otherwise. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress | undefined {
  if (!stream.isTTY) return undefined;
  return (label, total) => {
    let last = -1;
    return (done) => {
      const fraction = total > 0 ? Math.min(1, done / total) : 1;
      const filled = Math.round(fraction * WIDTH);
      if (filled === last && fraction < 1) return; // redraw only when the bar moves
      last = filled;
      const bar = `${"#".repeat(filled)}${".".repeat(WIDTH - filled)}`;
      stream.write(`\r  ${label} [${bar}] ${String(Math.round(fraction * 100)).padStart(3)}%`);
      if (fraction >= 1) stream.write("\n");
    };
  };
}

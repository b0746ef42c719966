// The tour: runs the example programs in order, each under a header (`npm start`), or one of them
// (`npm start -- <name> [args...]`), or lists them (`npm start -- --list`). Like a Go main, it ends
// when the programs have ended: every example stops all its tasks and timers, so nothing is left to
// keep the process alive.

import { chat } from "./chat.js";
import { crawler } from "./crawler.js";
import { du } from "./du.js";
import { etcdBank } from "./etcd-bank.js";
import { etcdElection } from "./etcd-election.js";
import { etcdLock } from "./etcd-lock.js";
import { etcdQueue } from "./etcd-queue.js";
import { h2o } from "./h2o.js";
import { pipeline } from "./pipeline.js";
import { terminalProgress } from "./progress.js";
import type { BaseOptions, Example } from "./registry.js";
import { ring } from "./ring.js";
import { shutdown } from "./shutdown.js";
import { sieve } from "./sieve.js";
import { stampede } from "./stampede.js";
import { tracker } from "./tracker.js";

/** The examples in tour order. */
const examples: readonly Example[] = [
  sieve,
  ring,
  pipeline,
  shutdown,
  du,
  h2o,
  stampede,
  crawler,
  tracker,
  chat,
  etcdElection,
  etcdLock,
  etcdBank,
  etcdQueue,
];

const print = (line: string): void => {
  console.log(line);
};

async function runOne(ex: Example, index: number, opts: BaseOptions): Promise<void> {
  print(`\n=== ${index + 1}. ${ex.name}: ${ex.title} ===`);
  const progress = terminalProgress();
  await ex.run((line) => print(`  ${line}`), progress === undefined ? opts : { ...opts, progress });
}

async function main(argv: readonly string[]): Promise<number> {
  // `npm start -- --etcd URL` plays the whole tour with the etcd examples on a real etcd.
  if (argv[0] === "--etcd" || argv[0]?.startsWith("--etcd=") === true) {
    const etcd = argv[0] === "--etcd" ? argv.slice(0, 2) : argv.slice(0, 1);
    print("gosync tour: Go's concurrency programs, in TypeScript");
    for (const [i, ex] of examples.entries())
      await runOne(ex, i, ex.name.startsWith("etcd-") ? { args: etcd } : {});
    return 0;
  }
  const [first, ...rest] = argv;
  if (first === "--list" || first === "-l") {
    const width = Math.max(...examples.map((ex) => ex.name.length));
    for (const ex of examples) print(`${ex.name.padEnd(width)}  ${ex.title}`);
    return 0;
  }
  if (first === "--help" || first === "-h") {
    print("usage: npm start [-- --list | -- --etcd URL | -- <example> [args...]]");
    return 0;
  }
  if (first === undefined) {
    print("gosync tour: Go's concurrency programs, in TypeScript");
    for (const [i, ex] of examples.entries()) await runOne(ex, i, {});
    return 0;
  }
  const index = examples.findIndex((ex) => ex.name === first);
  if (index < 0) {
    console.error(`unknown example "${first}"; one of: ${examples.map((ex) => ex.name).join(", ")}`);
    return 1;
  }
  await runOne(examples[index]!, index, { args: rest });
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

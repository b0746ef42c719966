// The tour: runs the example programs in order, each under a header (`npm start`), or one of them
// (`npm start -- <name> [args...]`), or lists them (`npm start -- --list`). Like a Go main, it ends
// when the programs have ended: every example stops all its tasks and timers, so nothing is left to
// keep the process alive.

import { parseArgs } from "node:util";
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
import { threadsCounter } from "./threads-counter.js";
import { threadsSieve } from "./threads-sieve.js";
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
  threadsCounter,
  threadsSieve,
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

const USAGE = "usage: npm start [-- --list | -- --etcd URL | -- [--etcd URL] <example> [args...]]";

/** The tour's own options; they come before the example's name, everything after is the example's. */
const OPTIONS = {
  list: { type: "boolean", short: "l" },
  help: { type: "boolean", short: "h" },
  etcd: { type: "string" },
} as const;

async function main(argv: readonly string[]): Promise<number> {
  // Split at the example's name (the first positional), like a command with subcommands.
  const { tokens } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, tokens: true });
  const name = tokens.find((t) => t.kind === "positional");
  let values: { list?: boolean; help?: boolean; etcd?: string };
  try {
    ({ values } = parseArgs({ args: argv.slice(0, name?.index), options: OPTIONS, strict: true }));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help === true) {
    print(USAGE);
    return 0;
  }
  if (values.list === true) {
    const width = Math.max(...examples.map((ex) => ex.name.length));
    for (const ex of examples) print(`${ex.name.padEnd(width)}  ${ex.title}`);
    return 0;
  }
  // `--etcd URL` runs the etcd examples on a real etcd (the others ignore it).
  const etcd = values.etcd === undefined ? [] : [`--etcd=${values.etcd}`];
  const argsOf = (ex: Example) => (ex.name.startsWith("etcd-") ? etcd : []);
  if (name === undefined) {
    print("gosync tour: Go's concurrency programs, in TypeScript");
    for (const [i, ex] of examples.entries()) await runOne(ex, i, { args: argsOf(ex) });
    return 0;
  }
  const index = examples.findIndex((ex) => ex.name === name.value);
  if (index < 0) {
    console.error(`unknown example "${name.value}"; one of: ${examples.map((ex) => ex.name).join(", ")}`);
    return 1;
  }
  const ex = examples[index]!;
  await runOne(ex, index, { args: [...argv.slice(name.index + 1), ...argsOf(ex)] });
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

// Mirrors gopl.io/ch8/chat (The Go Programming Language §8.10), with the chapter's exercises done:
//
// - the structure is the book's: one `broadcaster` task owns the set of clients and selects over the
//   `entering`, `leaving` and `messages` channels; each connection has a `handleConn` task and a
//   `clientWriter` task draining the client's outgoing channel; no locks anywhere;
// - 8.12: a newcomer is told who is already present (`Present: alice, bob`);
// - 8.13: a client silent for `idle` seconds is disconnected (`You were idle for 300 s: goodbye.`).
//   As in the usual Go answer, handleConn selects over its input lines and an idle Timer it resets
//   on every line (a scanner task turns the socket into a channel of lines);
// - 8.14: the first line a client sends is its name (prompted by `What is your name?`);
// - 8.15: a client that does not read cannot stall the others: each client's outgoing channel is
//   buffered, and the broadcaster trySends (Go's select with a default case), dropping a message for
//   a client whose buffer is full. clientWriter respects TCP backpressure (it waits for "drain"), so
//   a client that stops reading does fill its buffer instead of Node buffering without bound.
//
// Broadcast lines are `NAME: text`, `NAME has arrived`, `NAME has left`. `npm start -- chat --port P
// --idle SECONDS` serves until SIGINT (every client is told and disconnected, then the process
// exits); without flags the tour plays a scripted session with in-process TCP clients on 127.0.0.1.
// Where it differs from Go: the writer closes the connection once it has flushed the client's
// channel (Go's handleConn closes it at once, possibly cutting the last lines), and the server
// can be shut down, so it tracks its connections with a WaitGroup.

import { once } from "node:events";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import {
  after,
  background,
  Chan,
  type Context,
  go,
  recv,
  select,
  sleep,
  Timer,
  WaitGroup,
  withCancel,
} from "../src/index.js";
import type { BaseOptions, Example, Out } from "./registry.js";

/** A client as the broadcaster knows it: its name and its outgoing message channel. */
interface Client {
  readonly name: string;
  readonly ch: Chan<string>;
  /** Messages dropped because `ch` was full (8.15). */
  dropped: number;
  /** The last line the client gets when it leaves, if any (idle, shutdown). */
  farewell?: string;
}

export interface ChatServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Host to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Disconnect a client silent for this long (8.13; default 5 minutes, the book's). */
  readonly idleMs?: number;
  /** Capacity of each client's outgoing channel (8.15; default 64). */
  readonly outgoing?: number;
  /** Server log: arrivals, departures, messages dropped for slow clients. */
  readonly log?: Out;
}

export interface ChatServer {
  readonly port: number;
  /** How many messages were dropped for the client called `name` because it did not read (8.15). */
  droppedFor(name: string): number;
  /** Tells every client, disconnects them, stops the broadcaster; resolves when all tasks ended. */
  close(): Promise<void>;
}

/** How long a leaving client's writer may take to flush, and the client to close its side. */
const FLUSH_MS = 1000;

const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(3))} s`;

/** Starts the chat server; resolves once it listens. */
export async function startChat(opts: ChatServerOptions = {}): Promise<ChatServer> {
  const idleMs = opts.idleMs ?? 5 * 60_000;
  const outgoing = opts.outgoing ?? 64;
  const log = opts.log ?? (() => {});
  const entering = new Chan<Client>(0, "entering");
  const leaving = new Chan<Client>(0, "leaving");
  const messages = new Chan<string>(0, "messages"); // all incoming client messages
  const stop = new Chan<void>(0, "stop");
  const broadcasterDone = new Chan<void>();
  const [ctx, cancel] = withCancel(background()); // cancelled on shutdown
  const conns = new WaitGroup("connections");
  const dropped = new Map<string, number>(); // by client name, for droppedFor()

  async function broadcaster(): Promise<void> {
    const clients = new Set<Client>(); // all connected clients
    for (let running = true; running; ) {
      running = await select(
        recv(messages, (msg) => {
          // Broadcast to every client's outgoing channel without waiting for any (8.15).
          for (const cli of clients) {
            if (cli.ch.trySend(msg!)) continue;
            if (cli.dropped++ === 0) log(`${cli.name} is not reading: dropping messages for it`);
            dropped.set(cli.name, (dropped.get(cli.name) ?? 0) + 1);
          }
          return true;
        }),
        recv(entering, (cli) => {
          const present = [...clients].map((c) => c.name); // 8.12
          cli!.ch.trySend(present.length === 0 ? "Present: nobody yet" : `Present: ${present.join(", ")}`);
          clients.add(cli!);
          return true;
        }),
        recv(leaving, (cli) => {
          clients.delete(cli!);
          if (cli!.farewell !== undefined) cli!.ch.trySend(cli!.farewell); // 8.15 holds here too
          cli!.ch.close();
          if (cli!.dropped > 0) log(`${cli!.name} left; ${cli!.dropped} message(s) had been dropped for it`);
          return true;
        }),
        recv(stop, () => false),
      );
    }
    broadcasterDone.close();
  }

  /** Turns the connection's input into a channel of lines, closed at end of input or on ctx. */
  async function scanner(conn: Socket, lines: Chan<string>, ctx: Context): Promise<void> {
    const input = createInterface({ input: conn, crlfDelay: Number.POSITIVE_INFINITY });
    const stopReading = () => input.close(); // ends the loop below, even on a socket that never ends
    ctx.signal.addEventListener("abort", stopReading, { once: true });
    try {
      for await (const line of input) await lines.send(line, ctx);
    } catch (err) {
      if (ctx.err() === null && !isNetError(err)) throw err;
    } finally {
      ctx.signal.removeEventListener("abort", stopReading);
      input.close();
      lines.close();
    }
  }

  /** Writes the client's messages until its channel is closed, then closes the connection. */
  async function clientWriter(conn: Socket, ch: Chan<string>, closed: Chan<void>, done: Chan<void>) {
    const drained = new Chan<void>(1);
    const onDrain = () => drained.trySend();
    conn.on("drain", onDrain);
    for await (const msg of ch) {
      if (conn.destroyed) continue; // drain the channel; nobody reads it any more
      if (conn.write(`${msg}\n`)) continue;
      // The socket's buffers are full: wait until the client reads, or the connection goes away.
      await select(
        recv(drained, () => {}),
        recv(closed, () => {}),
      );
    }
    conn.off("drain", onDrain);
    conn.end();
    done.close();
  }

  async function handleConn(conn: Socket): Promise<void> {
    const closed = new Chan<void>(); // closed when the socket is
    conn.on("close", () => closed.close());
    conn.on("error", () => {}); // a reset shows as end of input; "close" follows
    const [connCtx, stopScanner] = withCancel(ctx);
    const lines = new Chan<string>(0, "lines");
    go(scanner, conn, lines, connCtx);
    const idle = new Timer(idleMs);

    /** The next line, or why there is none: end of input, idle timeout, or server shutdown. */
    const next = () =>
      select(
        recv(lines, (line, ok) => (ok ? { line: line! } : ("eof" as const))),
        recv(idle.c, () => "idle" as const),
        recv(ctx.done(), () => "shutdown" as const),
      );

    conn.write("What is your name?\n");
    const first = await next();
    const name = typeof first === "object" && first.line.trim() !== "" ? first.line.trim() : remote(conn);
    const ch = new Chan<string>(outgoing, `outgoing ${name}`); // outgoing client messages
    const cli: Client = { name, ch, dropped: 0 };
    const writerDone = new Chan<void>();
    go(clientWriter, conn, ch, closed, writerDone);

    let why = typeof first === "object" ? undefined : first;
    if (why === undefined) {
      await ch.send(`You are ${name}`);
      await messages.send(`${name} has arrived`);
      await entering.send(cli);
      log(`${name} has arrived`);
      for (;;) {
        idle.reset(idleMs);
        const got = await next();
        if (typeof got !== "object") {
          why = got;
          break;
        }
        await messages.send(`${name}: ${got.line}`);
      }
      // Sent by the broadcaster as it lets the client go, so that it is the last line the client gets.
      if (why === "idle") cli.farewell = `You were idle for ${seconds(idleMs)}: goodbye.`;
      if (why === "shutdown") cli.farewell = "Server shutting down: goodbye.";
      await leaving.send(cli); // the broadcaster closes ch: the writer flushes it and ends the socket
      await messages.send(`${name} has left`);
      log(`${name} has left (${why === "eof" ? "disconnected" : why})`);
    } else {
      ch.close(); // never entered: no one to tell
    }
    idle.stop();
    stopScanner();
    // The writer flushes the client's channel, then ends the connection. A client that does not read
    // gets FLUSH_MS to take its lines (and to close its side), then it is cut off.
    if (!(await within(writerDone, FLUSH_MS))) conn.destroy();
    await writerDone.recv();
    if (!(await within(closed, FLUSH_MS))) conn.destroy();
    await closed.recv();
    for await (const _ of lines); // the scanner closes its channel once it has stopped
  }

  const server: Server = createServer((conn) => conns.go(() => handleConn(conn)));
  server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1");
  await once(server, "listening");
  go(broadcaster);
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;

  return {
    port,
    droppedFor: (name) => dropped.get(name) ?? 0,
    async close() {
      const serverClosed = new Promise((resolve) => server.close(resolve)); // stop accepting
      cancel(); // every handleConn says goodbye, leaves, and waits for its writer
      await conns.wait();
      stop.close();
      await serverClosed;
      await broadcasterDone.recv();
    },
  };
}

/** Waits for `ch` to be closed (or to deliver), for at most `ms`; says whether it did. */
function within(ch: Chan<void>, ms: number): Promise<boolean> {
  return select(
    recv(ch, () => true),
    recv(after(ms), () => false),
  );
}

function remote(conn: Socket): string {
  return `${conn.remoteAddress}:${conn.remotePort}`;
}

function isNetError(err: unknown): boolean {
  return err instanceof Error && "code" in err;
}

/**
 * A line-oriented TCP client of the chat, as the scripted session and the tests use it: it collects
 * the lines it receives and hands them out in order.
 */
export class ChatClient {
  readonly #socket: Socket;
  readonly #lines: string[] = [];
  #ended = false;
  #wake: (() => void) | null = null;
  readonly #closed: Promise<void>;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("error", () => {}); // a reset is an end like any other here
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));
    const input = createInterface({ input: socket, crlfDelay: Number.POSITIVE_INFINITY });
    input.on("line", (line) => this.#push(line));
    input.on("close", () => {
      this.#ended = true;
      this.#push(null);
    });
  }

  static async connect(port: number, host = "127.0.0.1"): Promise<ChatClient> {
    const socket = tcpConnect(port, host);
    await once(socket, "connect");
    return new ChatClient(socket);
  }

  #push(line: string | null): void {
    if (line !== null) this.#lines.push(line);
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** The next line received, or undefined once the server has closed the connection. */
  async line(): Promise<string | undefined> {
    while (this.#lines.length === 0 && !this.#ended) await new Promise<void>((r) => (this.#wake = r));
    return this.#lines.shift();
  }

  /** Reads lines up to and including `text`; returns them. Rejects if the connection ends first. */
  async until(text: string): Promise<string[]> {
    const seen: string[] = [];
    for (;;) {
      const line = await this.line();
      if (line === undefined)
        throw new Error(`connection ended before "${text}"; got ${JSON.stringify(seen)}`);
      seen.push(line);
      if (line === text) return seen;
    }
  }

  /** Sends one line. */
  say(text: string): void {
    this.#socket.write(`${text}\n`);
  }

  /** Resolves once the connection is closed (by either side). */
  closed(): Promise<void> {
    return this.#closed;
  }

  /** Closes the connection and waits until it is. */
  async close(): Promise<void> {
    this.#socket.end();
    await this.#closed;
  }
}

/**
 * A client that connects, says its name and never reads again (8.15's troublemaker): its socket is
 * paused, so the server's writes pile up in the kernel's buffers, then in its outgoing channel.
 */
export async function connectNonReader(port: number, name: string): Promise<{ close(): Promise<void> }> {
  const socket = tcpConnect(port, "127.0.0.1");
  socket.on("error", () => {});
  await once(socket, "connect");
  socket.pause();
  socket.write(`${name}\n`);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    async close() {
      socket.destroy();
      await closed;
    },
  };
}

export interface ChatOptions extends BaseOptions {
  /** The scripted session's idle limit (default 2000 ms). */
  readonly idleMs?: number;
  /** Serve until this is closed instead of SIGINT (server mode, for tests). */
  readonly until?: Chan<void>;
}

/** Joins as `name`: answers the prompt and reads the greeting lines. */
async function join(port: number, name: string, out: Out): Promise<ChatClient> {
  const c = await ChatClient.connect(port);
  await c.until("What is your name?");
  c.say(name);
  for (const line of [await c.line(), await c.line()]) out(`${name} <- ${line}`);
  return c;
}

async function expect(c: ChatClient, who: string, text: string, out: Out): Promise<void> {
  await c.until(text);
  out(`${who} <- ${text}`);
}

/** The scripted session: four scenes, one per exercise. */
async function scripted(out: Out, opts: ChatOptions): Promise<void> {
  const idleMs = opts.idleMs ?? 2000;
  const log = (line: string) => out(`server: ${line}`);
  let server = await startChat({ log });
  try {
    out("-- 8.12, 8.14: names, and who is present");
    const alice = await join(server.port, "alice", out);
    const bob = await join(server.port, "bob", out);
    await expect(alice, "alice", "bob has arrived", out);
    alice.say("Hi!");
    out("alice -> Hi!");
    await expect(alice, "alice", "alice: Hi!", out);
    await expect(bob, "bob", "alice: Hi!", out);
    bob.say("Hi yourself.");
    out("bob -> Hi yourself.");
    await expect(alice, "alice", "bob: Hi yourself.", out);
    await expect(bob, "bob", "bob: Hi yourself.", out);

    out("-- 8.15: carol never reads; bob floods the room; alice still gets every line");
    const carol = await connectNonReader(server.port, "carol");
    await expect(alice, "alice", "carol has arrived", out);
    const filler = "x".repeat(1000);
    const max = 20_000;
    let sent = 0;
    let full = false;
    const flood = opts.progress?.("bob's flood", max);
    while (!full && sent < max) {
      for (let i = 0; i < 100; i++) bob.say(`${++sent} ${filler}`);
      await alice.until(`bob: ${sent} ${filler}`); // every one of them, in order (until() reads all)
      await bob.until(`bob: ${sent} ${filler}`);
      flood?.(sent);
      full = server.droppedFor("carol") > 0;
    }
    flood?.(max);
    out(
      full
        ? `bob sent ${sent} lines; alice got them all; carol's buffer filled, so the server dropped ${server.droppedFor("carol")} of them for her instead of waiting`
        : `bob sent ${sent} lines; alice got them all; carol's buffer never filled`,
    );
    await carol.close();
    await expect(alice, "alice", "carol has left", out);
    await bob.close();
    await expect(alice, "alice", "bob has left", out);
    await alice.close();
    await server.close();

    out(`-- 8.13: a server that disconnects clients idle for ${seconds(idleMs)}; dave says nothing`);
    server = await startChat({ idleMs, log });
    const dave = await join(server.port, "dave", out);
    await sleep(idleMs / 2);
    const erin = await join(server.port, "erin", out);
    await expect(dave, "dave", "erin has arrived", out);
    out(`dave <- ${await dave.line()}`);
    await dave.closed();
    out("dave: disconnected by the server");
    await expect(erin, "erin", "dave has left", out);
    await erin.close();
  } finally {
    await server.close();
  }
  out("servers closed: every task has ended");
}

/** Server mode: serves until SIGINT (or `opts.until`), then shuts down gracefully. */
async function serve(out: Out, port: number, idleMs: number, until: Chan<void> | undefined): Promise<void> {
  const server = await startChat({ port, idleMs, log: out });
  out(`chat server on 127.0.0.1:${server.port}, idle limit ${seconds(idleMs)} (Ctrl-C stops it)`);
  const interrupted = new Chan<void>(1);
  const onSignal = () => interrupted.trySend();
  process.once("SIGINT", onSignal);
  await select(
    recv(interrupted, () => out("SIGINT: shutting down")),
    recv(until ?? null, () => out("shutting down")),
  );
  process.off("SIGINT", onSignal);
  await server.close();
  out("server closed");
}

export const chat: Example<ChatOptions> = {
  name: "chat",
  title: "gopl's chat server (§8.10) with exercises 8.12-8.15, over real TCP",
  async run(out, opts = {}) {
    const { values } = parseArgs({
      args: [...(opts.args ?? [])],
      options: { port: { type: "string" }, idle: { type: "string" } },
      strict: true,
      allowPositionals: false,
    });
    if (values.port === undefined && values.idle === undefined && opts.until === undefined)
      return scripted(out, opts);
    const port = Number(values.port ?? "8000");
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`--port must be an integer from 0 to 65535, got ${values.port}`);
    const idle = Number(values.idle ?? "300");
    if (!(idle > 0)) throw new RangeError(`--idle must be a number of seconds above 0, got ${values.idle}`);
    return serve(out, port, idle * 1000, opts.until);
  },
};

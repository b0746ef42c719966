// A TCP proxy between a client and etcd that can make a request's fate unknown, as a paused or
// partitioned etcd member does: hold() keeps the bytes the client sends from then on (the connection
// to etcd stays open), cutClient() drops the client's side of the connection (it sees the request
// fail and reconnects through the proxy to a fresh etcd connection), and deliver() hands the held
// bytes to etcd afterwards — so etcd applies a request its client already gave up on, after the
// client's later requests. The bytes are real gRPC traffic; nothing is parsed or forged.
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Client bytes kept back while holding (null: forwarding). */
  held: Buffer[] | null;
  /** Bytes etcd sent on this connection (its answers). */
  answered: number;
}

export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  /** Connections whose client side was cut: their etcd side stays open until close(). */
  readonly #cut = new Set<Pair>();
  #holding = false;

  private constructor(host: string, port: number) {
    this.#server = createServer((client) => this.#accept(client, host, port));
  }

  /** Listens on a free loopback port and forwards each connection to `target` (host:port). */
  static async start(target: string): Promise<TcpProxy> {
    const [host = "127.0.0.1", port = ""] = target.replace(/^https?:\/\//, "").split(":");
    const proxy = new TcpProxy(host, Number(port));
    await new Promise<void>((resolve) => proxy.#server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  #accept(client: Socket, host: string, port: number): void {
    const upstream = tcpConnect(port, host);
    const pair: Pair = { client, upstream, held: this.#holding ? [] : null, answered: 0 };
    this.#pairs.add(pair);
    client.on("data", (d: Buffer) => {
      if (pair.held !== null) pair.held.push(d);
      else upstream.write(d);
    });
    upstream.on("data", (d: Buffer) => {
      pair.answered += d.length;
      if (!client.destroyed) client.write(d);
    });
    // A cut connection keeps its etcd side open: the held request is still to be delivered.
    client.on("close", () => {
      if (!this.#cut.has(pair)) upstream.destroy();
    });
    upstream.on("close", () => {
      client.destroy();
      this.#pairs.delete(pair);
      this.#cut.delete(pair);
    });
    client.on("error", () => {});
    upstream.on("error", () => {});
  }

  /** The proxy's endpoint, host:port on loopback. */
  get endpoint(): string {
    const a = this.#server.address();
    if (a === null || typeof a === "string") throw new Error("proxy: not listening");
    return `127.0.0.1:${a.port}`;
  }

  /** From now on, keep the bytes clients send (on every connection) instead of forwarding them. */
  hold(): void {
    this.#holding = true;
    for (const p of this.#pairs) p.held ??= [];
  }

  /** How many client bytes are held, over all connections. */
  heldBytes(): number {
    let n = 0;
    for (const p of this.#pairs) for (const b of p.held ?? []) n += b.length;
    return n;
  }

  /**
   * Drops the client side of every holding connection (the client sees its calls fail and connects
   * again, through the proxy, to a fresh etcd connection); their etcd side stays open, the bytes
   * held. Returns `deliver`, which sends those bytes on to etcd and resolves with how many bytes
   * etcd answered with (0 if it did not answer within 2 s).
   */
  cutClient(): { deliver(): Promise<number> } {
    this.#holding = false;
    const cut = [...this.#pairs].filter((p) => p.held !== null);
    for (const p of cut) {
      this.#pairs.delete(p);
      this.#cut.add(p);
      p.client.destroy();
    }
    return {
      deliver: async () => {
        const before = cut.map((p) => p.answered);
        for (const p of cut) {
          for (const b of p.held ?? []) p.upstream.write(b);
          p.held = [];
        }
        for (let i = 0; i < 200; i++) {
          const got = cut.reduce((n, p, j) => n + p.answered - (before[j] ?? 0), 0);
          if (got > 0) return got;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return 0;
      },
    };
  }

  async close(): Promise<void> {
    for (const p of [...this.#pairs, ...this.#cut]) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

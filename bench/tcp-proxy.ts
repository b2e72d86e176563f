/**
 * A TCP proxy between the chaos run's workers and PostgreSQL (bench/chaos.ts), with the network faults a
 * cluster meets: every connection reset at once (a router or load balancer restarting), every byte held back
 * for a while (a congested or flapping link: nothing is lost, everything is late), and one connection gone
 * silent for good (a NAT entry or a proxy that forgot it: neither end is told, no byte ever arrives again).
 * A server that refuses a new connection (it is restarting) closes the client's at once.
 */
import net from 'node:net';

interface Pair {
  client: net.Socket;
  server: net.Socket;
  /** Gone silent: whatever either end sends is dropped, and neither end is told. */
  silent: boolean;
  /** To go silent at the client's next message (the next query on it never reaches the server). */
  silentNext: boolean;
  /** When the client last sent something (ms). */
  lastUsed: number;
}

/** The first byte of PostgreSQL's Terminate message: a client closing the connection, not a query. */
const TERMINATE = 0x58;

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private readonly server: net.Server;
  /** Bytes held back while stalled, each with the socket it is for, in order. */
  private held: { to: net.Socket; data: Buffer }[] = [];
  private stalled = false;
  /** Silent connections whose client sent a message (not Terminate) that never arrived: a query left unanswered. */
  swallowed = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly listenHost = '127.0.0.1',
  ) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Start listening on a free port; the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, this.listenHost, resolve);
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Connections open through the proxy (silent ones included). */
  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: net.Socket): void {
    const server = net.connect(this.target.port, this.target.host);
    const pair: Pair = { client, server, silent: false, silentNext: false, lastUsed: performance.now() };
    this.pairs.add(pair);
    const forward = (to: net.Socket) => (data: Buffer) => {
      if (to === server) {
        pair.lastUsed = performance.now();
        if (pair.silentNext && !pair.silent) {
          pair.silent = true;
          if (data[0] !== TERMINATE) this.swallowed++; // not the client closing an idle connection
        }
      }
      if (pair.silent) return;
      if (this.stalled) this.held.push({ to, data });
      else to.write(data);
    };
    client.on('data', forward(server));
    server.on('data', forward(client));
    const end = () => {
      this.pairs.delete(pair);
      if (pair.silent) return; // the far end is not told: that is the fault
      client.destroy();
      server.destroy();
    };
    for (const socket of [client, server]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  /** Reset every connection (both ends see ECONNRESET); returns how many. */
  resetAll(): number {
    const n = this.pairs.size;
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.server.resetAndDestroy();
    }
    return n;
  }

  /** Hold every byte back (new connections too) until `release`. */
  stall(): void {
    this.stalled = true;
  }

  /** Deliver what was held back, in order, and forward again. */
  release(): void {
    this.stalled = false;
    const held = this.held;
    this.held = [];
    for (const { to, data } of held) if (!to.destroyed) to.write(data);
  }

  /**
   * Make one connection go silent for good from its client's next message on (so the query it sends next never
   * gets an answer): one picked by `pick` among the `among` last used; false if none is open.
   */
  silenceOne(pick: (n: number) => number, among = 3): boolean {
    const open = [...this.pairs].filter((p) => !p.silent && !p.silentNext).sort((a, b) => b.lastUsed - a.lastUsed);
    if (open.length === 0) return false;
    open[pick(Math.min(among, open.length))]!.silentNext = true;
    return true;
  }

  /** Close everything (silent connections too) and stop listening. */
  async close(): Promise<void> {
    this.release();
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.server.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

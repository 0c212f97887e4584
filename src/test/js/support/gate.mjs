// A gate in front of a replica: a TCP relay on a free loopback port. Closed, it accepts each connection and resets it
// at once (to a WebSocket client, a failed connection); open, it relays bytes both ways; cut() drops every relayed
// connection without a close frame, as a network failure would. Real sockets on both sides: nothing is simulated
// above TCP.
import { createConnection, createServer } from 'node:net';

export class Gate {
  #server;
  #target;
  #isOpen;
  #sockets = new Set();
  refused = 0;
  relayed = 0;

  constructor(server, target, isOpen) {
    this.#server = server;
    this.#target = target;
    this.#isOpen = isOpen;
  }

  /** A gate to 127.0.0.1:port, closed unless `open` is true. */
  static async to(port, { open = false } = {}) {
    let gate;
    const server = createServer((socket) => gate.#accept(socket));
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    gate = new Gate(server, Number(port), open);
    return gate;
  }

  get port() {
    return this.#server.address().port;
  }

  get wsUrl() {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  open() {
    this.#isOpen = true;
  }

  /** Closes the gate and drops every connection going through it. */
  cut() {
    this.#isOpen = false;
    for (const socket of this.#sockets) {
      socket.destroy();
    }
    this.#sockets.clear();
  }

  #accept(socket) {
    if (!this.#isOpen) {
      this.refused++;
      socket.resetAndDestroy();
      return;
    }
    this.relayed++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.#target });
    const pair = [socket, upstream];
    for (const end of pair) {
      this.#sockets.add(end);
      end.on('error', () => {});
      end.on('close', () => {
        this.#sockets.delete(end);
        pair.forEach((other) => other.destroy());
      });
    }
    socket.pipe(upstream);
    upstream.pipe(socket);
  }

  async close() {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

// The client (imported as the npm package @chorus/client) against real replicas: requests and their answers,
// presence across replicas, and what it does when the connection goes — reconnect with capped full-jitter backoff,
// rejoin, recover once and in order; no reconnect after close() or a token expiry (4001).
// Run by NodeClientIT, which starts Redis and the replicas and passes them in the environment:
//   CHORUS_REPLICAS=r1=http://127.0.0.1:P1/,r2=http://127.0.0.1:P2/   (anonymous mode)  CHORUS_REDIS_PORT=<their Redis>
//   CHORUS_JWT_REPLICA=jwt=http://127.0.0.1:P3/  CHORUS_JWT_PRIVATE_KEY=<PKCS#8 PEM>  CHORUS_JWT_ISSUER=…   (RS256)
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { ChorusClient, ChorusError, backoffDelay } from '@chorus/client';
import { Gate } from '../support/gate.mjs';

const TIMEOUT = 15_000;
const replicas = parseReplicas(process.env.CHORUS_REPLICAS);
const { r1, r2 } = replicas;
const redisPort = Number(process.env.CHORUS_REDIS_PORT);
const clients = [];

after(() => clients.forEach((client) => client.close()));

/** A client on the global WebSocket where there is one (browsers, Node 22+), else the ws package's (Node 20). */
function client(urls, options) {
  const created = new ChorusClient(urls, { WebSocket: globalThis.WebSocket ?? WebSocket, ...options });
  clients.push(created);
  return created;
}

describe('requests', () => {
  test('publish resolves with the ack, and the message arrives once with the acked id and position', async () => {
    const alice = client(r1.ws, { user: 'ack-alice' });
    const welcome = await alice.connect();
    assert.equal(welcome.replica, 'r1');
    assert.equal(alice.state, 'open');
    const joined = await alice.join('node-ack');
    assert.equal(joined.room, 'node-ack');
    assert.ok(joined.position, 'joined says where the room stands');
    const messages = record(alice, 'message');
    const ack = await alice.publish('node-ack', { n: 1 });
    const message = await until(() => messages.find((m) => m.id === ack.id));
    assert.deepEqual({ offset: message.offset, epoch: message.epoch }, ack.position);
    assert.equal(message.replica, 'r1');
    assert.deepEqual(message.payload, { n: 1 });
    assert.deepEqual(alice.rooms.get('node-ack'), ack.position, 'the room position follows the messages');
  });

  test('a command the server refuses rejects with its error code and ref', async () => {
    const alice = client(r1.ws, { user: 'err-alice' });
    await alice.connect();
    await assert.rejects(alice.publish('not a room!', 'x'),
      (error) => error instanceof ChorusError && error.code === 'invalid_room' && typeof error.ref === 'string');
    await assert.rejects(alice.join('no spaces please'), (error) => error.code === 'invalid_room');
    assert.equal(alice.rooms.has('no spaces please'), false, 'a refused room is not rejoined later');
  });

  test('history reads a room without joining it: the latest messages, then those after a position', async () => {
    const writer = client(r1.ws, { user: 'h-writer' });
    const reader = client(r2.ws, { user: 'h-reader' });
    await Promise.all([writer.connect(), reader.connect()]);
    const room = `node-history-${Date.now()}`;
    for (const n of [1, 2, 3, 4]) {
      await writer.publish(room, { n });
    }
    const latest = await reader.history(room, { limit: 2 });
    assert.equal(latest.recoverable, true);
    assert.deepEqual(latest.messages.map((m) => m.payload.n), [3, 4]);
    assert.equal(latest.position.offset, 4);
    const first = (await reader.history(room, { limit: 4 })).messages[0];
    const after = await reader.history(room, { since: { offset: first.offset, epoch: first.epoch } });
    assert.deepEqual(after.messages.map((m) => m.payload.n), [2, 3, 4]);
    assert.equal(reader.rooms.has(room), false, 'reading is not joining');
  });

  test('requests while disconnected reject with disconnected', async () => {
    const idle = client(r1.ws, { user: 'idle' });
    await assert.rejects(idle.publish(null, 'x'), (error) => error.code === 'disconnected');
    await assert.rejects(idle.online(), (error) => error.code === 'disconnected');
  });

  test('members, online, presence events and direct messages work across replicas', async () => {
    const alice = client(r1.ws, { user: 'p-alice' });
    const bob = client(r2.ws, { user: 'p-bob' });
    await Promise.all([alice.connect(), bob.connect()]);
    const events = record(alice, 'member_joined');
    await alice.join('node-presence');
    await bob.join('node-presence');
    await until(() => events.find((e) => e.user === 'p-bob' && e.room === 'node-presence'));
    assert.deepEqual((await alice.members('node-presence')).sort(), ['p-alice', 'p-bob']);
    const online = await bob.online();
    assert.ok(online.users.includes('p-alice') && online.users.includes('p-bob'), JSON.stringify(online));
    assert.ok(online.count >= 2);

    const left = record(alice, 'member_left');
    await bob.leave('node-presence');
    await until(() => left.find((e) => e.user === 'p-bob'));

    const direct = record(bob, 'message');
    const ack = await alice.direct('p-bob', { psst: true });
    assert.equal(ack.position, undefined, 'direct messages keep no history');
    const received = await until(() => direct.find((m) => m.id === ack.id));
    assert.equal(received.to, 'p-bob');
    assert.equal(received.replica, 'r1');
  });

  test('a replica whose Redis subscription came back pushes the room\'s members, emitted as members', async () => {
    const alice = client(r1.ws, { user: 'rs-alice' });
    const bob = client(r2.ws, { user: 'rs-bob' });
    await Promise.all([alice.connect(), bob.connect()]);
    await alice.join('node-resync');
    await bob.join('node-resync');
    const pushed = record(alice, 'members');
    const clients = await redisCommand(redisPort, 'CLIENT', 'LIST', 'TYPE', 'pubsub');
    const subscriber = /id=(\d+) [^\n]*name=chorus-subscriber:r1 /.exec(clients);
    assert.ok(subscriber, `r1's subscriber connection in ${clients}`);
    await redisCommand(redisPort, 'CLIENT', 'KILL', 'ID', subscriber[1]); // r1 alone loses its subscriptions

    const members = await until(() => pushed.find((e) => e.room === 'node-resync'));
    assert.deepEqual([...members.users].sort(), ['rs-alice', 'rs-bob']);
    assert.equal(members.ref, undefined);
  });
});

describe('reconnection', () => {
  test('backoffDelay is full jitter under a doubling, capped ceiling', () => {
    const backoff = { initial: 100, max: 1000 };
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, backoff, () => 0.5)), [50, 100, 200, 400, 500, 500]);
    assert.equal(backoffDelay(3, backoff, () => 0), 0);
    assert.equal(backoffDelay(60, backoff, () => 0.999), 999);
  });

  test('after the network fails, it reconnects with backoff, rejoins and recovers room messages and broadcasts once, in order', async () => {
    const gate = await Gate.to(new URL(r1.http).port, { open: true });
    try {
      const backoff = { initial: 40, max: 160 };
      const alice = client([gate.wsUrl], { user: 'net-alice', backoff, random: () => 0.5 });
      const bob = client(r2.ws, { user: 'net-bob' });
      await Promise.all([alice.connect(), bob.connect()]);
      const room = 'node-network';
      await alice.join(room);
      const messages = record(alice, 'message');
      const states = record(alice, 'state');
      const joins = record(alice, 'joined');
      const welcomes = record(alice, 'welcome');
      await bob.publish(room, 'room 0');
      await bob.publish(null, 'all 0');
      await until(() => messages.length === 2);

      gate.cut();
      await until(() => states.filter((s) => s.state === 'reconnecting').length >= 4); // refused three times at least
      for (let i = 1; i <= 3; i++) {
        await bob.publish(room, `room ${i}`);
        await bob.publish(null, `all ${i}`);
      }
      assert.equal(messages.length, 2, 'nothing arrives while the network is down');
      gate.open();
      await until(() => alice.state === 'open');
      await bob.publish(room, 'room 4');
      await bob.publish(null, 'all 4');
      await until(() => messages.some((m) => m.payload === 'room 4') && messages.some((m) => m.payload === 'all 4'));

      assert.deepEqual(messages.filter((m) => m.room === room).map((m) => m.payload),
        ['room 0', 'room 1', 'room 2', 'room 3', 'room 4'], 'room messages once, in order');
      assert.deepEqual(messages.filter((m) => m.room === undefined && typeof m.payload === 'string'
        && m.payload.startsWith('all ')).map((m) => m.payload), ['all 0', 'all 1', 'all 2', 'all 3', 'all 4'],
      'broadcasts once, in order');
      assert.equal(welcomes.at(-1).recovered, true, 'the broadcast stream was recovered (?since=&epoch=)');
      assert.equal(welcomes.at(-1).reconnected, true);
      assert.equal(joins.at(-1).recovered, true, 'the room was recovered (join with since)');

      const reconnecting = states.filter((s) => s.state === 'reconnecting');
      assert.deepEqual(reconnecting.map((s) => s.attempt), reconnecting.map((_, i) => i + 1), 'attempts counted');
      assert.deepEqual(reconnecting.map((s) => s.delay), reconnecting.map((_, i) => backoffDelay(i, backoff, () => 0.5)),
        'each delay is the jittered, doubling, capped backoff');
      assert.equal(reconnecting[0].code, 1006, 'a dropped connection closes with 1006');
      assert.ok(gate.refused >= 3, `refused ${gate.refused} times`);
      assert.equal(states.at(-1).state, 'open');
    } finally {
      await gate.close();
    }
  });

  test('close() is final: the client does not reconnect, and pending requests fail', async () => {
    const gate = await Gate.to(new URL(r1.http).port, { open: true });
    try {
      const alice = client([gate.wsUrl], { user: 'close-alice', backoff: { initial: 1, max: 1 } });
      const watcher = client(r2.ws, { user: 'close-watcher' });
      await Promise.all([alice.connect(), watcher.connect()]);
      const states = record(alice, 'state');
      const pending = alice.members('node-close');
      alice.close();
      await assert.rejects(pending, (error) => error.code === 'closed');
      await until(async () => !(await watcher.online()).users.includes('close-alice')); // the server saw it go
      await watcher.online(); // and time for several 1 ms reconnects, had one been scheduled
      assert.deepEqual(states.map((s) => s.state), ['closed']);
      assert.equal(gate.relayed, 1, 'no second connection');
    } finally {
      await gate.close();
    }
  });

  test('a connect() abandoned by close() is counted, and does not crash a caller that discarded it', async () => {
    const dead = await Gate.to(new URL(r1.http).port); // closed: refuses every connection
    try {
      const alice = client([dead.wsUrl], { user: 'abandon-alice', backoff: { initial: 50, max: 50 } });
      alice.connect(); // discarded on purpose
      alice.close();
      await until(async () => alice.abandonedConnects === 1);
      assert.equal(alice.abandonedConnects, 1);
      // the socket it let go of while still connecting reports an error: counted, not thrown at anyone
      await until(async () => alice.detachedSocketErrors >= 1);
    } finally {
      await dead.close();
    }
  });

  test('a URL list fails over: a dead first URL is skipped', async () => {
    const dead = await Gate.to(new URL(r1.http).port); // closed: refuses every connection
    try {
      const alice = client([dead.wsUrl, r2.ws], { user: 'list-alice', backoff: { initial: 20, max: 20 } });
      const welcome = await alice.connect();
      assert.equal(welcome.replica, 'r2');
      assert.equal(dead.refused, 1);
    } finally {
      await dead.close();
    }
  });
});

describe('a busy replica', { skip: !process.env.CHORUS_BUSY_REPLICA && 'CHORUS_BUSY_REPLICA is not set' }, () => {
  // chorus.limits.max-admitting=0: every upgrade is refused with 503 and Retry-After (docs/protocol.md)
  const busy = Object.values(parseReplicas(process.env.CHORUS_BUSY_REPLICA ?? 'none=http://127.0.0.1:1/'))[0];

  test('its 503 is retried, after retryAfter plus the jitter, on the next URL', async () => {
    // the ws package on every Node: its error event names the refused upgrade's status (browsers hide it)
    const alice = client([busy.ws, r2.ws], {
      user: 'busy-alice', WebSocket, backoff: { initial: 40, max: 40, retryAfter: 300 }, random: () => 0.5,
    });
    const states = record(alice, 'state');
    const started = Date.now();
    const welcome = await alice.connect();
    assert.equal(welcome.replica, 'r2');
    const refusal = states.find((s) => s.state === 'reconnecting');
    assert.equal(refusal.refused, true, 'told apart from an unreachable replica');
    assert.equal(refusal.status, 503);
    assert.equal(refusal.delay, 300 + 20, 'Retry-After first, then the full-jitter delay');
    assert.ok(Date.now() - started >= 300, 'not sooner than the server asked');
  });

  test('a client that only knows the busy replica keeps trying, its jittered delay growing each time', async () => {
    const alice = client([busy.ws], {
      user: 'busy-bob', WebSocket, backoff: { initial: 10, max: 1000, retryAfter: 5 }, random: () => 0.5,
    });
    const states = record(alice, 'state');
    alice.connect().catch(() => {});
    await until(() => states.filter((s) => s.state === 'reconnecting').length >= 3);
    alice.close();
    const delays = states.filter((s) => s.state === 'reconnecting').slice(0, 3).map((s) => s.delay);
    assert.deepEqual(delays, [5 + 5, 5 + 10, 5 + 20]);
    assert.ok(states.every((s) => s.state !== 'open'), 'never admitted: the replica stays busy');
  });
});

describe('tokens', { skip: !process.env.CHORUS_JWT_REPLICA && 'CHORUS_JWT_REPLICA is not set' }, () => {
  const secured = Object.values(parseReplicas(process.env.CHORUS_JWT_REPLICA ?? 'none=http://127.0.0.1:1/'))[0];

  test('a token expiry (4001) stops the client with token_expired; refresh and connect resume and recover', async () => {
    const room = 'node-token';
    const alice = client(secured.ws, { token: jwt('tok-alice', 2), backoff: { initial: 1, max: 1 } });
    const bob = client(secured.ws, { token: jwt('tok-bob', 600) });
    const welcome = await alice.connect();
    assert.equal(welcome.user, 'tok-alice', 'the user is the token\'s sub');
    await bob.connect();
    await alice.join(room);
    const errors = record(alice, 'error');
    const states = record(alice, 'state');
    const messages = record(alice, 'message');
    await until(() => errors.find((e) => e.code === 'token_expired'), 20_000);
    assert.equal(alice.state, 'closed');
    assert.equal(errors[0].closeCode, 4001);

    await bob.publish(room, 'while alice had no token');
    await bob.online(); // a round trip: a reconnect (1 ms backoff) would have happened by now
    assert.deepEqual(states.map((s) => s.state), ['closed'], 'no reconnect with an expired token');

    await alice.refresh(jwt('tok-alice', 600));
    await alice.connect();
    await until(() => messages.find((m) => m.payload === 'while alice had no token'));
    assert.deepEqual(messages.filter((m) => m.room === room).map((m) => m.payload), ['while alice had no token']);
  });

  test('refresh over an open connection answers with the new expiry', async () => {
    const carol = client(secured.ws, { token: jwt('tok-carol', 60) });
    await carol.connect();
    const later = Math.floor(Date.now() / 1000) + 900;
    const { expires } = await carol.refresh(jwt('tok-carol', 900));
    assert.ok(expires >= later - 5 && expires <= later + 5, `expires ${expires}`);
    await assert.rejects(carol.refresh(jwt('tok-mallory', 900)), (error) => error.code === 'invalid_token');
  });

  test('the token travels in the auth frame, not the URL: a bad one is refused with 4003, not at the upgrade', async () => {
    // A bad ?token= gets HTTP 401 at the upgrade (a 1006 close here); a bad auth frame gets close 4003.
    const mallory = client(secured.ws, { token: 'not.a.token', backoff: { initial: 60_000, max: 60_000 } });
    const states = record(mallory, 'state');
    mallory.connect().catch(() => {});
    const lost = await until(() => states.find((s) => s.code !== undefined));
    assert.equal(lost.code, 4003);
    mallory.close();
  });
});

// --- helpers

function parseReplicas(spec) {
  if (!spec) {
    throw new Error('CHORUS_REPLICAS is not set (e.g. r1=http://127.0.0.1:8081/,r2=http://127.0.0.1:8082/)');
  }
  return Object.fromEntries(spec.split(',').map((pair) => {
    const [id, url] = pair.split('=');
    const http = new URL(url);
    return [id, { id, http: http.toString(), ws: `ws://${http.host}/ws` }];
  }));
}

/** Sends one command to Redis and resolves with the first bytes of its reply, as text. */
function redisCommand(port, ...args) {
  const request = `*${args.length}\r\n` + args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => socket.write(request));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
  });
}

/** Every event of one type from now on, in an array. */
function record(client, type) {
  const events = [];
  client.on(type, (event) => events.push(event));
  return events;
}

/** Polls until the condition gives something truthy (and returns it), or fails after the timeout. */
async function until(condition, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeout} ms: ${condition}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An RS256 JWT for the secured replica (which holds the public key), valid for `seconds`. */
function jwt(sub, seconds) {
  const encode = (object) => Buffer.from(JSON.stringify(object)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
    iss: process.env.CHORUS_JWT_ISSUER, sub, iat: now, exp: now + seconds,
  })}`;
  const signature = sign('sha256', Buffer.from(unsigned), process.env.CHORUS_JWT_PRIVATE_KEY).toString('base64url');
  return `${unsigned}.${signature}`;
}

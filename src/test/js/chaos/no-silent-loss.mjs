// "No silent loss, ever" (issue 14): many subscribers on the project's own client, in a few rooms, on a cluster that
// is being broken on purpose, and an account of every message at every subscriber at the end.
//
// Run by io.chorus.cluster.NoSilentLossIT, which starts Redis and the replicas and injects the faults this script asks
// for: it prints `@chorus fault <kind> [replica]` and waits for the reply line on its standard input; after the last
// fault, `@chorus ready` waits until every replica is back. The accounting rules are written down in
// docs/reliability.md; in short, for every subscriber, every message of its room published after its first `joined`
// position must arrive exactly once, in order, or lie inside a gap the client reported.
//
// Environment:
//   CHORUS_REPLICAS       r1=http://127.0.0.1:P1/,r2=http://127.0.0.1:P2/,r3=…   (anonymous mode; required)
//   CHAOS_SUBSCRIBERS     subscribers (60)            CHAOS_ROOMS       rooms (3)
//   CHAOS_PUBLISHERS      publishers (6)              CHAOS_RATE        messages per second, all publishers (300)
//   CHAOS_MAX_IN_FLIGHT   most unanswered publishes per publisher (100); beyond, a tick is skipped, not queued
//   CHAOS_HOME_SHARE      share of a room's subscribers on the room's home replica, who rejoin together (0.8)
//   CHAOS_BACKOFF_MS      the clients' first reconnect backoff (20: a replica's clients come back at once; the
//                         client's own default, 500, spreads them over half a second); the cap is 2000
//   CHAOS_FAULTS          comma-separated faults, in order (kill-replica,drain-replica:r2,…); empty: none. A replica
//                         fault without a target hits the replica most subscribers are on at that moment
//   CHAOS_WARMUP_MS       traffic before the first fault (5000)
//   CHAOS_BETWEEN_MS      traffic after each fault (6000)
//   CHAOS_DURATION_MS     keep cycling through the faults until this much time has passed (0: one pass)
//   CHAOS_SETTLE_MS       longest wait, after publishing stops, for subscribers to be connected and quiet (45000)
//   CHAOS_QUIET_MS        the quiet window that means "settled" (3000)
//   CHAOS_HISTORY_LENGTH  the replicas' chorus.history.max-length (1000): how far back a new epoch is replayable
//   CHAOS_REPORT          a file to write the summary to (JSON), besides the `CHAOS-SUMMARY {…}` line on stdout
// Exit code: 0 no violation, 1 violations, 2 the run itself failed (a fault could not be injected, nobody joined…).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import { ChorusClient } from '@chorus/client';

const config = readConfig(process.env);

// An error nobody handles would end the run before the accounting. It counts as a violation instead (an application
// on this client would have crashed); the run goes on. Seen: the client's connect timeout closing a `ws` socket
// that is still connecting, after removing its error listener ("WebSocket was closed before the connection was
// established").
const uncaught = [];
process.on('uncaughtException', (failure) => {
  const error = String(failure?.stack ?? failure).split('\n').slice(0, 3).join(' | ');
  uncaught.push({ at: Date.now(), error });
  log(`uncaught: ${error}`);
});
const started = Date.now();
const log = (text) => process.stdout.write(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`);

// --- positions: epochs are interned, and ranked at the end by when a client first heard of each (an ack, a message,
// a gap or joined naming it), so "a later epoch" means one that came into being later, e.g. after a Redis restart

const epochIds = new Map(); // epoch string -> index
const epochNames = [];
const epochFirstSeen = []; // index -> earliest time (ms) anything of it was seen
let epochRank = null;

function epochIndex(epoch, seenAt) {
  let index = epochIds.get(epoch);
  if (index === undefined) {
    index = epochNames.length;
    epochIds.set(epoch, index);
    epochNames.push(epoch);
    epochFirstSeen.push(seenAt);
  } else if (seenAt < epochFirstSeen[index]) {
    epochFirstSeen[index] = seenAt;
  }
  return index;
}

function rankEpochs() {
  const order = epochNames.map((_, index) => index).sort((a, b) => epochFirstSeen[a] - epochFirstSeen[b] || a - b);
  epochRank = new Array(order.length);
  order.forEach((index, rank) => {
    epochRank[index] = rank;
  });
}

/** Compares two positions {e: epoch index, o: offset} of one room: epoch order first, then offset. */
function compare(a, b) {
  return epochRank[a.e] - epochRank[b.e] || a.o - b.o;
}

const since = (t) => (Number.isFinite(t) ? `+${((t - started) / 1000).toFixed(1)}s` : '-');
const show = (p) => (p ? `${p.o}@${epochNames[p.e]}` : null);

// --- the universe: every message a publisher sent (it counts once acked, or once anyone saw it)

const messages = new Map(); // key -> {key, room, t, ack: {e, o}?, error?, seen: {e, o}?, inconsistent?}
const publishErrors = {};

function sent(key, room, t) {
  messages.set(key, { key, room, t, ack: null, error: null, seen: null, inconsistent: false });
}

function acknowledged(key, position) {
  const m = messages.get(key);
  m.answeredAt = Date.now();
  m.ack = { e: epochIndex(position.epoch, m.answeredAt), o: position.offset };
  progress.acked++;
  m.seen && checkConsistent(m, m.seen);
}

function refused(key, code, id) {
  messages.get(key).error = code;
  messages.get(key).errorId = id ?? null; // backplane_unavailable names the id the message carries if it went out
  messages.get(key).answeredAt = Date.now();
  progress.refused++;
  publishErrors[code] = (publishErrors[code] ?? 0) + 1;
}

function observed(key, room, t, position, now, id) {
  let m = messages.get(key);
  if (!m) {
    m = { key, room, t, ack: null, error: null, seen: null, inconsistent: false };
    messages.set(key, m);
  }
  if (!m.seen) {
    m.seen = position;
    m.seenAt = now;
    m.seenId = id;
  }
  checkConsistent(m, position);
  return m;
}

function checkConsistent(m, position) {
  const reference = m.ack ?? m.seen;
  if (reference.e !== position.e || reference.o !== position.o) {
    m.inconsistent = true;
  }
}

const position = (m) => m.ack ?? m.seen;

/** When a message entered its stream, as near as a client can tell: its ack, or (unacked) when it was first seen. */
const storedAt = (m) => (m.ack ? m.answeredAt : m.seenAt ?? m.t);

/** Counts since the last progress line (one every 5 s, so a stall shows in the log). */
const progress = { acked: 0, refused: 0, delivered: 0 };
const progressTimer = setInterval(() => {
  log(`acked ${progress.acked}, refused ${progress.refused}, delivered ${progress.delivered} in 5 s`);
  progress.acked = 0;
  progress.refused = 0;
  progress.delivered = 0;
}, 5000);

// --- subscribers: each one client on every replica's URL (home replica first), in one room, recording what it is told

const MESSAGE = 1;
const GAP = 2;
const JOINED = 3;
const REJOIN = 4;

/** What one subscriber was told, in arrival order: packed [type, epoch, offset, detail] per event. */
class EventLog {
  #data = new Int32Array(4096);
  length = 0;

  add(type, epoch, offset, detail) {
    if (this.length * 4 + 4 > this.#data.length) {
      const grown = new Int32Array(this.#data.length * 2);
      grown.set(this.#data);
      this.#data = grown;
    }
    const at = this.length * 4;
    this.#data[at] = type;
    this.#data[at + 1] = epoch;
    this.#data[at + 2] = offset;
    this.#data[at + 3] = detail;
    this.length++;
  }

  *[Symbol.iterator]() {
    for (let i = 0; i < this.length; i++) {
      const at = i * 4;
      yield [this.#data[at], this.#data[at + 1], this.#data[at + 2], this.#data[at + 3]];
    }
  }
}

const keyIds = new Map(); // key -> index, for the packed logs
const keyNames = [];

function keyIndex(key) {
  let index = keyIds.get(key);
  if (index === undefined) {
    index = keyNames.length;
    keyIds.set(key, index);
    keyNames.push(key);
  }
  return index;
}

class Subscriber {
  constructor(index, room, urls) {
    this.index = index;
    this.user = `chaos-sub-${index}`;
    this.room = room;
    this.home = urls[0];
    this.events = new EventLog();
    this.start = null; // the first joined position
    this.joinedAt = null;
    this.open = false;
    this.joinedSinceOpen = false;
    this.lastEventAt = Date.now();
    this.reconnects = 0;
    this.errors = {};
    this.rejoins = 0;
    this.client = new ChorusClient(urls, { user: this.user, WebSocket, backoff: config.backoff });
    this.client.on('message', (frame) => this.#message(frame));
    this.client.on('gap', (gap) => this.#gap(gap));
    this.client.on('joined', (answer) => this.#joined(answer));
    this.client.on('state', ({ state }) => this.#state(state));
    this.client.on('error', (error) => this.#error(error));
  }

  async join() {
    await this.client.connect();
    await this.client.join(this.room);
  }

  #message(frame) {
    const key = frame.payload?.k;
    if (frame.room !== this.room || typeof key !== 'string' || frame.offset === undefined) {
      return;
    }
    const now = Date.now();
    this.lastEventAt = now;
    const at = { e: epochIndex(frame.epoch, now), o: frame.offset };
    observed(key, frame.room, frame.payload.t, at, now, frame.id);
    progress.delivered++;
    this.events.add(MESSAGE, at.e, at.o, keyIndex(key));
  }

  #gap(gap) {
    if (gap.room !== this.room) {
      return;
    }
    this.lastEventAt = Date.now();
    tally(clientEvents, `gap_${gap.reason}`, phaseOf(Date.now()));
    const at = gap.position ? { e: epochIndex(gap.position.epoch, Date.now()), o: gap.position.offset } : null;
    this.events.add(GAP, at ? at.e : -1, at ? at.o : -1, gap.reason === 'recovery' ? 1 : 0);
  }

  #joined(answer) {
    if (answer.room !== this.room) {
      return;
    }
    const now = Date.now();
    this.lastEventAt = now;
    this.joinedSinceOpen = true;
    const at = answer.position ? { e: epochIndex(answer.position.epoch, now), o: answer.position.offset } : null;
    if (this.joinedAt === null) {
      this.joinedAt = now;
      this.start = at;
    }
    const recovered = answer.recovered === undefined ? -1 : answer.recovered ? 1 : 0;
    if (recovered === 1) {
      tally(clientEvents, 'recovered', phaseOf(now));
    }
    this.events.add(JOINED, at ? at.e : -1, at ? at.o : -1, recovered);
  }

  #state(state) {
    this.lastEventAt = Date.now();
    this.open = state === 'open';
    this.joinedSinceOpen = false;
    if (state === 'reconnecting') {
      this.reconnects++;
      tally(clientEvents, 'reconnect', phaseOf(Date.now()));
    }
  }

  #error(error) {
    this.errors[error.code] = (this.errors[error.code] ?? 0) + 1;
    if (this.joinedAt !== null && !this.client.rooms.has(this.room) && running) {
      // The client gave the room up (a rejoin was refused). An application would join again; whatever it missed
      // meanwhile is owed unless a gap covers it.
      this.rejoins++;
      this.events.add(REJOIN, -1, -1, 0);
      this.client.join(this.room).catch(() => {}); // failures show up as further errors, then another rejoin
    }
  }
}

/** Client events per phase (when they happened): reconnects, recoveries, gaps by reason. */
const clientEvents = {};

function tally(table, what, phase) {
  table[phase] ??= {};
  table[phase][what] = (table[phase][what] ?? 0) + 1;
}

// --- publishers: each a client on every replica's URL, publishing round-robin to the rooms at a fixed rate

class Publisher {
  constructor(index, urls, rate) {
    this.index = index;
    this.client = new ChorusClient(urls, { user: `chaos-pub-${index}`, WebSocket, backoff: config.backoff });
    this.rate = rate;
    this.sequence = 0;
    this.skipped = 0;
    this.pending = new Set();
    this.timer = null;
  }

  publish(room) {
    const key = `p${this.index}-${this.sequence++}`;
    const t = Date.now();
    sent(key, room, t);
    const request = this.client.publish(room, { k: key, t }).then(
      (ack) => acknowledged(key, ack.position),
      (error) => refused(key, error.code ?? 'unknown', error.id),
    );
    this.pending.add(request);
    request.finally(() => this.pending.delete(request));
    return request;
  }

  start(rooms) {
    const from = Date.now();
    let due = 0;
    this.timer = setInterval(() => {
      const owed = Math.floor(((Date.now() - from) / 1000) * this.rate) - due;
      for (let i = 0; i < Math.min(owed, 50); i++) {
        due++;
        if (this.client.state !== 'open' || this.pending.size >= config.maxInFlight) {
          this.skipped++;
          continue;
        }
        this.publish(rooms[(this.index + due) % rooms.length]);
      }
      due += Math.max(0, owed - 50); // a stall is not made up in a burst
    }, 10);
  }

  stop() {
    clearInterval(this.timer);
  }
}

// --- faults: asked of the test over stdin/stdout, one at a time

const replies = [];
let waitingForReply = null;
const input = readline.createInterface({ input: process.stdin });
input.on('line', (line) => {
  if (waitingForReply) {
    const resolve = waitingForReply;
    waitingForReply = null;
    resolve(line);
  } else {
    replies.push(line);
  }
});

function ask(request) {
  process.stdout.write(`@chorus ${request}\n`);
  return new Promise((resolve) => {
    if (replies.length > 0) {
      resolve(replies.shift());
    } else {
      waitingForReply = resolve;
    }
  });
}

/** The phases of the run, each from its start until the next one's: warmup, then one per fault. */
const phases = [{ name: 'warmup', start: started, faultMs: 0 }];

function phaseOf(t) {
  let phase = phases[0];
  for (const candidate of phases) {
    if (candidate.start <= t) {
      phase = candidate;
    }
  }
  return phase.name;
}

/** Faults of one replica: without a named target (`kill-replica:r1`) they hit the one most subscribers are on. */
const REPLICA_FAULTS = new Set(['kill-replica', 'drain-replica', 'stop-replica']);

/** The replica most subscribers are connected to now, and how many. */
function busiest(subscribers) {
  const counts = new Map();
  for (const s of subscribers) {
    const replica = s.client.replica;
    if (replica) counts.set(replica, (counts.get(replica) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
}

async function inject(fault, subscribers) {
  const [kind, named] = fault.split(':');
  let target = named;
  let on = subscribers.filter((s) => s.client.replica === named).length;
  if (!target && REPLICA_FAULTS.has(kind)) {
    [target, on] = busiest(subscribers);
    if (!target) {
      throw new Error(`no subscriber is connected anywhere: nothing to ${kind}`);
    }
  }
  const name = `${phases.length}:${kind}${target ? `:${target}` : ''}`;
  const phase = { name, start: Date.now(), faultMs: 0 };
  phases.push(phase);
  log(`fault ${name}${target ? ` (${on} subscribers on it)` : ''}`);
  const reply = await ask(target ? `fault ${kind} ${target}` : `fault ${kind}`);
  phase.faultMs = Date.now() - phase.start;
  if (!reply.startsWith('ok')) {
    throw new Error(`fault ${fault} could not be injected: ${reply}`);
  }
  log(`fault ${name} done in ${phase.faultMs} ms (${reply})`);
}

// --- the run

let running = true;

async function run() {
  const rooms = Array.from({ length: config.rooms }, (_, i) => `chaos-${started.toString(36)}-${i}`);
  const names = Object.keys(config.replicas);
  const urls = names.map((name) => config.replicas[name]);
  const rotated = (first) => urls.map((_, i) => urls[(first + i) % urls.length]);

  const publishers = Array.from({ length: config.publishers }, (_, i) =>
    new Publisher(i, rotated(i % urls.length), config.rate / config.publishers));
  await Promise.all(publishers.map((p) => p.client.connect()));
  for (const room of rooms) {
    await publishers[0].publish(room); // a room with a position: every subscriber's first joined has one
  }

  const subscribers = [];
  for (let i = 0; i < config.subscribers; i++) {
    const r = i % rooms.length;
    const nth = Math.floor(i / rooms.length); // this subscriber's place among its room's
    const perRoom = Math.ceil(config.subscribers / rooms.length);
    const onHome = nth < Math.round(perRoom * config.homeShare);
    const first = onHome ? r % urls.length : (r + 1 + (nth % (urls.length - 1 || 1))) % urls.length;
    subscribers.push(new Subscriber(i, rooms[r], rotated(first)));
  }
  await Promise.all(subscribers.map((s) => s.join()));
  log(`${subscribers.length} subscribers in ${rooms.length} rooms on ${names.join(', ')}; `
    + `${publishers.length} publishers at ${config.rate}/s`);

  publishers.forEach((p) => p.start(rooms));
  await sleep(config.warmupMs);
  let faultError = null;
  try {
    do {
      for (const fault of config.faults) {
        await inject(fault, subscribers);
        await sleep(config.betweenMs);
      }
    } while (config.faults.length > 0 && Date.now() - started < config.durationMs);
    if (config.faults.length === 0) {
      await sleep(Math.max(0, config.durationMs - (Date.now() - started)));
    } else {
      const reply = await ask('ready'); // every replica back (a killed one restarts in the background)
      if (!reply.startsWith('ok')) {
        throw new Error(`the replicas did not come back: ${reply}`);
      }
    }
  } catch (failure) {
    faultError = failure;
  }
  publishers.forEach((p) => p.stop());
  const publishingStopped = Date.now();
  phases.push({ name: 'settle', start: publishingStopped, faultMs: 0 });
  await waitFor(() => publishers.every((p) => p.pending.size === 0), 30_000);
  const settled = await waitFor(() => {
    const now = Date.now();
    return subscribers.every((s) => s.open && s.joinedSinceOpen && now - s.lastEventAt >= config.quietMs);
  }, config.settleMs);
  running = false;
  const waited = Date.now() - publishingStopped;
  log(`publishing stopped; subscribers ${settled ? 'settled' : 'NOT settled'} after ${waited} ms`);

  const summary = account(subscribers, publishers, { settled, faultError, runMs: publishingStopped - started });
  [...publishers, ...subscribers].forEach((x) => x.client.close());
  return summary;
}

// --- the accounting

function account(subscribers, publishers, { settled, faultError, runMs }) {
  rankEpochs();
  const classes = ['missing', 'duplicate', 'out_of_order', 'new_epoch_not_replayed', 'refused_delivered',
    'inconsistent_position', 'never_joined', 'uncaught_client_error'];
  const violations = Object.fromEntries(classes.map((c) => [c, 0]));
  const byPhase = {};
  const examples = Object.fromEntries(classes.map((c) => [c, []]));
  const affected = Object.fromEntries(classes.map((c) => [c, new Set()]));
  const count = (kind, phase, example) => {
    violations[kind]++;
    affected[kind].add(example.subscriber ?? example.key);
    const m = messages.get(example.key);
    if (m) {
      example.sentAt = since(m.t);
      example.answeredAt = m.answeredAt ? since(m.answeredAt) : undefined;
    }
    byPhase[phase] ??= {};
    byPhase[phase][kind] = (byPhase[phase][kind] ?? 0) + 1;
    if (examples[kind].length < 5) {
      examples[kind].push(example);
    }
  };

  const universeByRoom = new Map();
  let universe = 0;
  for (const m of messages.values()) {
    if (!m.ack && !m.seen) {
      continue; // refused or lost before anyone saw it, and never acknowledged: nobody is owed it
    }
    universe++;
    if (!universeByRoom.has(m.room)) {
      universeByRoom.set(m.room, []);
    }
    universeByRoom.get(m.room).push(m);
    // A refusal that named the id the message went out with is the documented "may still have gone out" (the sender
    // can tell); one that did not, or named another id, said "nowhere" and was wrong.
    if (m.seen && m.error && m.error !== 'disconnected' && m.error !== 'closed'
        && !(m.error === 'backplane_unavailable' && m.errorId && m.errorId === m.seenId)) {
      count('refused_delivered', phaseOf(storedAt(m)), { key: m.key, room: m.room, error: m.error, at: show(m.seen) });
    }
    if (m.inconsistent) {
      count('inconsistent_position', phaseOf(storedAt(m)),
        { key: m.key, room: m.room, ack: show(m.ack), seen: show(m.seen) });
    }
  }

  const unaccounted = fillUnaccountedOffsets(universeByRoom);
  uncaught.forEach(({ at, error }) => count('uncaught_client_error', phaseOf(at), { error }));

  const totals = { owed: 0, delivered: 0, covered: 0, gaps: 0, gapsWithoutPosition: 0, recoveries: 0, notRecovered: 0 };
  for (const s of subscribers) {
    if (s.joinedAt === null) {
      count('never_joined', 'warmup', { subscriber: s.user, room: s.room });
      continue;
    }
    const seen = new Map(); // key index -> deliveries
    const covers = []; // [from (exclusive, may be null), to (inclusive)]
    let cursor = s.start;
    let last = null;
    let first = true;
    for (const [type, e, o, detail] of s.events) {
      const at = e < 0 ? null : { e, o };
      if (type === MESSAGE) {
        const times = (seen.get(detail) ?? 0) + 1;
        seen.set(detail, times);
        if (times === 1 && last && compare(at, last) < 0) {
          const key = keyNames[detail];
          count('out_of_order', phaseOf(storedAt(messages.get(key))),
            { subscriber: s.user, room: s.room, key, at: show(at), after: show(last) });
        }
        if (times === 1 && (!last || compare(at, last) > 0)) {
          last = at;
        }
        cursor = at;
      } else if (type === GAP || (type === JOINED && detail === 0)) {
        if (type === GAP) totals.gaps++;
        if (type === JOINED) totals.notRecovered++;
        if (!at) {
          totals.gapsWithoutPosition++;
          continue;
        }
        covers.push([cursor, at]);
        cursor = at;
      } else if (type === JOINED) {
        if (!first && detail === 1) totals.recoveries++;
        if (!first && detail === -1 && at) {
          cursor = at; // a fresh join after the client gave the room up: it stands at the room's position now
        }
        first = false;
      }
    }
    const owed = (universeByRoom.get(s.room) ?? [])
      .filter((m) => (s.start ? compare(position(m), s.start) > 0 : m.t >= s.joinedAt));
    for (const m of owed) {
      totals.owed++;
      const times = seen.get(keyIds.get(m.key) ?? -1) ?? 0;
      if (times >= 1) {
        totals.delivered++;
      }
      if (times > 1) {
        count('duplicate', phaseOf(storedAt(m)),
          { subscriber: s.user, room: s.room, key: m.key, at: show(position(m)), times });
      } else if (times === 0) {
        const cover = covers.find(([from, to]) => covered(position(m), from, to));
        if (cover && crossesIntoEpochOf(cover, position(m))) {
          // The gap crossed into a new epoch (Redis lost the history) and skipped messages of that new epoch: its
          // history began after the loss and still held them, so they should have been replayed, not skipped.
          count('new_epoch_not_replayed', phaseOf(storedAt(m)), { subscriber: s.user, room: s.room, key: m.key,
            at: show(position(m)), gap: `${show(cover[0])}..${show(cover[1])}` });
        } else if (cover) {
          totals.covered++;
        } else {
          count('missing', phaseOf(storedAt(m)), { subscriber: s.user, room: s.room, key: m.key, at: show(position(m)),
            acked: m.ack !== null, error: m.error ?? undefined,
            gaps: covers.map(([f, t]) => `${show(f)}..${show(t)}`).slice(-3) });
        }
      }
    }
  }

  const failed = Object.values(violations).reduce((a, b) => a + b, 0);
  const acked = [...messages.values()].filter((m) => m.ack).length;
  return {
    ok: failed === 0 && !faultError && settled,
    violationsTotal: failed,
    violations,
    byPhase,
    subscribersAffected: Object.fromEntries(classes.filter((c) => violations[c] > 0)
      .map((c) => [c, affected[c].size])),
    examples: Object.fromEntries(Object.entries(examples).filter(([, list]) => list.length > 0)),
    streams: streams(universeByRoom),
    runSeconds: Math.round(runMs / 1000),
    settled,
    faultError: faultError ? String(faultError.message ?? faultError) : undefined,
    phases: phases.map(({ name, faultMs }) => ({ name, faultMs })),
    subscribers: subscribers.length,
    rooms: config.rooms,
    publishers: publishers.length,
    ratePerSecond: config.rate,
    sent: publishers.reduce((a, p) => a + p.sequence, 0),
    acked,
    publishErrors,
    skipped: publishers.reduce((a, p) => a + p.skipped, 0),
    universe,
    unaccountedOffsets: unaccounted,
    epochs: epochNames.length,
    ...totals,
    reconnects: subscribers.reduce((a, s) => a + s.reconnects, 0),
    rejoinsAfterError: subscribers.reduce((a, s) => a + s.rejoins, 0),
    clientEvents,
    clientErrors: subscribers.reduce((all, s) => {
      Object.entries(s.errors).forEach(([code, n]) => { all[code] = (all[code] ?? 0) + n; });
      return all;
    }, {}),
  };
}

/**
 * Offsets nobody accounts for. Every offset of an epoch is a message the history script stored and published in one
 * step, so an offset below the epoch's highest known one that no publisher saw acknowledged and no subscriber received
 * is a message that every subscriber of the room lost. It joins the universe as an unnamed message (key
 * `?room/epoch/offset`), owed like any other: only a gap can cover it. Returns how many there were.
 */
function fillUnaccountedOffsets(universeByRoom) {
  let count = 0;
  for (const [room, list] of universeByRoom) {
    const byEpoch = new Map();
    for (const m of list) {
      const p = position(m);
      if (!byEpoch.has(p.e)) byEpoch.set(p.e, new Map());
      byEpoch.get(p.e).set(p.o, m);
    }
    for (const [e, known] of byEpoch) {
      let top = 0;
      let lowest = null;
      for (const [o, m] of known) {
        top = Math.max(top, o);
        if (!lowest || o < position(lowest).o) lowest = m;
      }
      let previous = lowest;
      for (let o = 1; o <= top; o++) {
        if (known.has(o)) {
          previous = known.get(o);
          continue;
        }
        const when = storedAt(previous);
        const hole = { key: `?${room}/${epochNames[e]}/${o}`, room, t: when, ack: null, error: null, seen: { e, o },
          seenAt: when, inconsistent: false };
        messages.set(hole.key, hole);
        list.push(hole);
        count++;
      }
    }
  }
  return count;
}

/** Per room, its epochs in order: when each was first seen, how many messages it holds, its last offset. */
function streams(universeByRoom) {
  const rooms = {};
  for (const [room, list] of universeByRoom) {
    const epochs = new Map();
    for (const m of list) {
      const p = position(m);
      const epoch = epochs.get(p.e) ?? { epoch: epochNames[p.e], messages: 0, first: Infinity, last: 0,
        sent: [Infinity, 0], acked: [Infinity, 0] };
      epoch.messages++;
      epoch.first = Math.min(epoch.first, p.o);
      epoch.last = Math.max(epoch.last, p.o);
      epoch.sent = [Math.min(epoch.sent[0], m.t), Math.max(epoch.sent[1], m.t)];
      if (m.ack) {
        epoch.acked = [Math.min(epoch.acked[0], m.answeredAt), Math.max(epoch.acked[1], m.answeredAt)];
      }
      epochs.set(p.e, epoch);
    }
    rooms[room] = [...epochs.entries()].sort(([a], [b]) => epochRank[a] - epochRank[b]).map(([, epoch]) => ({
      ...epoch, sent: epoch.sent.map(since).join('..'), acked: epoch.acked.map(since).join('..') }));
  }
  return rooms;
}

/**
 * Whether a gap reported when the subscriber stood at `from` (its last delivered message, or its previous gap or
 * first joined position) and naming `to` covers position p: after `from` up to and including `to`; across an epoch
 * change, everything of from's epoch after it, every epoch in between, and to's epoch up to to's offset.
 */
function covered(p, from, to) {
  if (from === null) {
    return p.e === to.e ? p.o <= to.o : epochRank[p.e] < epochRank[to.e];
  }
  if (from.e === to.e) {
    return p.e === from.e && p.o > from.o && p.o <= to.o;
  }
  return (p.e === from.e && p.o > from.o) || (p.e === to.e && p.o <= to.o)
    || (epochRank[p.e] > epochRank[from.e] && epochRank[p.e] < epochRank[to.e]);
}

/**
 * Whether position p lies in the new epoch a gap from `from` to `to` crossed into, recent enough to be still in its
 * history (chorus.history.max-length, CHAOS_HISTORY_LENGTH).
 */
function crossesIntoEpochOf([from, to], p) {
  return from !== null && from.e !== to.e && p.e === to.e && to.o - p.o < config.historyLength;
}

// --- plumbing

function readConfig(env) {
  const number = (name, fallback) => (env[name] === undefined || env[name] === '' ? fallback : Number(env[name]));
  if (!env.CHORUS_REPLICAS) {
    throw new Error('CHORUS_REPLICAS is required: r1=http://127.0.0.1:P1/,r2=…');
  }
  const replicas = Object.fromEntries(env.CHORUS_REPLICAS.split(',').map((entry) => {
    const [name, base] = entry.split('=');
    return [name, new URL('ws', base.replace(/^http/, 'ws')).toString()];
  }));
  return {
    replicas,
    subscribers: number('CHAOS_SUBSCRIBERS', 60),
    rooms: number('CHAOS_ROOMS', 3),
    publishers: number('CHAOS_PUBLISHERS', 6),
    rate: number('CHAOS_RATE', 300),
    homeShare: number('CHAOS_HOME_SHARE', 0.8),
    historyLength: number('CHAOS_HISTORY_LENGTH', 1000),
    maxInFlight: number('CHAOS_MAX_IN_FLIGHT', 100),
    backoff: { initial: number('CHAOS_BACKOFF_MS', 20), max: 2000 },
    faults: (env.CHAOS_FAULTS ?? '').split(',').map((f) => f.trim()).filter(Boolean),
    warmupMs: number('CHAOS_WARMUP_MS', 5000),
    betweenMs: number('CHAOS_BETWEEN_MS', 6000),
    durationMs: number('CHAOS_DURATION_MS', 0),
    settleMs: number('CHAOS_SETTLE_MS', 45000),
    quietMs: number('CHAOS_QUIET_MS', 3000),
    report: env.CHAOS_REPORT || null,
  };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) {
      return true;
    }
    await sleep(100);
  }
  return condition();
}

let exitCode = 2;
try {
  const summary = await run();
  const line = JSON.stringify(summary);
  process.stdout.write(`CHAOS-SUMMARY ${line}\n`);
  if (config.report) {
    mkdirSync(dirname(config.report), { recursive: true });
    writeFileSync(config.report, `${JSON.stringify(summary, null, 2)}\n`);
  }
  exitCode = summary.faultError ? 2 : summary.ok ? 0 : 1;
} catch (failure) {
  process.stdout.write(`CHAOS-FAILED ${failure.stack ?? failure}\n`);
}
clearInterval(progressTimer);
input.close();
process.exit(exitCode);

// Scenarios run by the Java ITs in io.chorus.pusher against real Chorus replicas, with real Pusher clients:
// pusher-js (the browser/Node client, as Laravel Echo uses it) and `pusher` (the Node server SDK).
//
//   node scenarios.js <scenario>
//
// Environment: REPLICA_A, REPLICA_B (http://host:port of two replicas on one Redis); APP_ID, APP_KEY, APP_SECRET (an
// app with client events enabled); QUIET_APP_ID, QUIET_APP_KEY, QUIET_APP_SECRET (an app without them).
// Prints progress lines ("READY" when it waits for the Java side), and "PASS <scenario>" then exits 0 when the
// scenario held; anything else exits non-zero with the reason on stderr.
'use strict';

const PusherClient = require('pusher-js');
const PusherServer = require('pusher');

const TIMEOUT_MS = 15000;
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`missing environment variable ${name}`);
  return value;
};

function hostPort(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) };
}

function server(replica, app = 'APP', secret) {
  const { host, port } = hostPort(env(replica));
  return new PusherServer({
    appId: env(`${app}_ID`), key: env(`${app}_KEY`), secret: secret || env(`${app}_SECRET`),
    host, port: String(port), useTLS: false,
  });
}

/** A pusher-js client on a replica; channel authorizations are signed by the server SDK, as an app's auth endpoint would. */
function client(replica, options = {}) {
  const { host, port } = hostPort(env(replica));
  const app = options.app || 'APP';
  const signer = server(replica, app, options.signWithSecret);
  const pusher = new PusherClient(env(`${app}_KEY`), {
    cluster: 'unused', wsHost: host, wsPort: port, forceTLS: false, enabledTransports: ['ws'],
    disableStats: true,
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        try {
          const presence = channelName.startsWith('presence-') ? options.member : undefined;
          callback(null, signer.authorizeChannel(socketId, channelName, presence));
        } catch (e) {
          callback(e, null);
        }
      },
    },
  });
  clients.push(pusher);
  return pusher;
}

const clients = [];

function within(what, promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), TIMEOUT_MS); }),
  ]).finally(() => clearTimeout(timer));
}

function once(emitter, event, what) {
  return within(what || event, new Promise((resolve) => emitter.bind(event, function handler(data, metadata) {
    emitter.unbind(event, handler);
    resolve({ data, metadata });
  })));
}

function connected(pusher) {
  return within('connection', new Promise((resolve, reject) => {
    if (pusher.connection.state === 'connected') return resolve();
    pusher.connection.bind('connected', () => resolve());
    pusher.connection.bind('failed', () => reject(new Error('connection failed')));
  }));
}

async function subscribed(pusher, name) {
  const channel = pusher.subscribe(name);
  const succeeded = await once(channel, 'pusher:subscription_succeeded', `subscription to ${name}`);
  return { channel, members: succeeded.data };
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function unique(prefix) {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

function lines() {
  const readline = require('readline');
  const rl = readline.createInterface({ input: process.stdin });
  const queue = [];
  const waiting = [];
  rl.on('line', (line) => (waiting.length ? waiting.shift()(line) : queue.push(line)));
  return () => within('a line from the test', new Promise((resolve) => (queue.length ? resolve(queue.shift()) : waiting.push(resolve))));
}

const scenarios = {
  /** The server SDK triggers on replica B; pusher-js subscribers on both replicas get the event, data intact. */
  async 'http-trigger-reaches-subscribers-on-every-replica'() {
    const channel = unique('orders-');
    const onA = client('REPLICA_A');
    const onB = client('REPLICA_B');
    const subA = await subscribed(onA, channel);
    const subB = await subscribed(onB, channel);
    const gotA = once(subA.channel, 'order-shipped');
    const gotB = once(subB.channel, 'order-shipped');
    await server('REPLICA_B').trigger(channel, 'order-shipped', { id: 42, items: ['a', 'b'] });
    for (const got of [await gotA, await gotB]) {
      assert(got.data.id === 42 && got.data.items.join() === 'a,b', `unexpected data ${JSON.stringify(got.data)}`);
    }
  },

  /** batch_events through the SDK reach the channels named in the batch. */
  async 'batch-trigger-reaches-each-channel'() {
    const one = unique('batch-one-');
    const two = unique('batch-two-');
    const onA = client('REPLICA_A');
    const subOne = await subscribed(onA, one);
    const subTwo = await subscribed(onA, two);
    const gotOne = once(subOne.channel, 'e1');
    const gotTwo = once(subTwo.channel, 'e2');
    await server('REPLICA_B').triggerBatch([
      { channel: one, name: 'e1', data: { n: 1 } },
      { channel: two, name: 'e2', data: 'plain text' },
    ]);
    assert((await gotOne).data.n === 1, 'batch event 1');
    assert((await gotTwo).data === 'plain text', 'batch event 2');
  },

  /** An HTTP trigger with socket_id is not delivered to that socket (Pusher's "exclude the sender"). */
  async 'http-trigger-excludes-the-named-socket'() {
    const channel = unique('excl-');
    const sender = client('REPLICA_A');
    const other = client('REPLICA_B');
    const subSender = await subscribed(sender, channel);
    const subOther = await subscribed(other, channel);
    let senderGot = 0;
    subSender.channel.bind('news', () => senderGot++);
    const got = once(subOther.channel, 'news');
    await server('REPLICA_A').trigger(channel, 'news', { x: 1 }, { socket_id: sender.connection.socket_id });
    await got;
    const marker = once(subSender.channel, 'marker');
    await server('REPLICA_A').trigger(channel, 'marker', {});
    await marker;
    assert(senderGot === 0, 'the excluded socket received the event');
  },

  /** Presence across replicas: members with their info, member_added and member_removed, the users API. */
  async 'presence-is-cluster-wide'() {
    const channel = unique('presence-team-');
    const alice = client('REPLICA_A', { member: { user_id: 'alice', user_info: { name: 'Alice' } } });
    const first = await subscribed(alice, channel);
    assert(first.members.count === 1 && first.members.me.id === 'alice', `alice alone: ${JSON.stringify(first.members.members)}`);
    const added = once(first.channel, 'pusher:member_added', 'member_added of bob');
    const bob = client('REPLICA_B', { member: { user_id: 'bob', user_info: { name: 'Bob' } } });
    const second = await subscribed(bob, channel);
    assert(second.members.count === 2, `bob sees ${second.members.count} members`);
    assert(second.members.get('alice').info.name === 'Alice', 'bob sees alice with her info');
    const member = (await added).data;
    assert(member.id === 'bob' && member.info.name === 'Bob', `alice saw ${JSON.stringify(member)}`);
    const users = await (await server('REPLICA_A').get({ path: `/channels/${channel}/users` })).json();
    assert(users.users.map((u) => u.id).sort().join() === 'alice,bob', `users API: ${JSON.stringify(users)}`);
    const info = await (await server('REPLICA_B').get({ path: `/channels/${channel}`, params: { info: 'user_count' } })).json();
    assert(info.occupied === true && info.user_count === 2, `channel API: ${JSON.stringify(info)}`);
    const removed = once(first.channel, 'pusher:member_removed', 'member_removed of bob');
    bob.disconnect();
    assert((await removed).data.id === 'bob', 'alice saw bob leave');
  },

  /** Client events on a private channel reach the other subscribers across replicas, never the sender. */
  async 'client-events-reach-others-not-the-sender'() {
    const channel = unique('private-chat-');
    const alice = client('REPLICA_A');
    const bob = client('REPLICA_B');
    const subAlice = await subscribed(alice, channel);
    const subBob = await subscribed(bob, channel);
    let echoed = 0;
    subAlice.channel.bind('client-typing', () => echoed++);
    const got = once(subBob.channel, 'client-typing');
    assert(subAlice.channel.trigger('client-typing', { who: 'alice' }), 'trigger refused locally');
    assert((await got).data.who === 'alice', 'bob got the client event');
    const marker = once(subAlice.channel, 'marker');
    await server('REPLICA_B').trigger(channel, 'marker', {});
    await marker;
    assert(echoed === 0, 'the sender received its own client event');
  },

  /** On a presence channel a client event carries the sender's user_id. */
  async 'presence-client-events-carry-the-user-id'() {
    const channel = unique('presence-room-');
    const alice = client('REPLICA_A', { member: { user_id: 'alice' } });
    const bob = client('REPLICA_B', { member: { user_id: 'bob' } });
    const subAlice = await subscribed(alice, channel);
    const subBob = await subscribed(bob, channel);
    const got = once(subBob.channel, 'client-wave');
    subAlice.channel.trigger('client-wave', { hi: true });
    const event = await got;
    assert(event.metadata && event.metadata.user_id === 'alice', `metadata ${JSON.stringify(event.metadata)}`);
  },

  /** A forged channel authorization is refused: pusher:subscription_error on the channel, pusher:error 4009. */
  async 'forged-channel-authorization-is-refused'() {
    const channel = unique('private-vault-');
    const mallory = client('REPLICA_A', { signWithSecret: 'not-the-secret' });
    await connected(mallory);
    const error = once(mallory.connection, 'error', 'pusher:error');
    const sub = mallory.subscribe(channel);
    const refused = await once(sub, 'pusher:subscription_error', 'subscription_error');
    assert(refused.data.status === 401, `subscription_error ${JSON.stringify(refused.data)}`);
    const e = (await error).data;
    assert(e.type === 'PusherError' && e.data.code === 4009, `pusher:error ${JSON.stringify(e)}`);
    assert(!sub.subscribed, 'subscribed anyway');
  },

  /** An app without client events refuses them with 4009; nobody receives them. */
  async 'client-events-are-refused-when-the-app-disables-them'() {
    const channel = unique('private-quiet-');
    const alice = client('REPLICA_A', { app: 'QUIET_APP' });
    const bob = client('REPLICA_B', { app: 'QUIET_APP' });
    const subAlice = await subscribed(alice, channel);
    const subBob = await subscribed(bob, channel);
    let bobGot = 0;
    subBob.channel.bind('client-x', () => bobGot++);
    const error = once(alice.connection, 'error', 'pusher:error');
    subAlice.channel.trigger('client-x', {});
    const e = (await error).data;
    assert(e.data.code === 4009, `pusher:error ${JSON.stringify(e)}`);
    const marker = once(subBob.channel, 'marker');
    await server('REPLICA_A', 'QUIET_APP').trigger(channel, 'marker', {});
    await marker;
    assert(bobGot === 0, 'the refused client event was delivered');
  },

  /** Over the client-event rate, events are refused with 4301. */
  async 'client-event-flood-is-refused-with-4301'() {
    const channel = unique('private-flood-');
    const alice = client('REPLICA_A');
    const sub = await subscribed(alice, channel);
    const error = once(alice.connection, 'error', 'pusher:error 4301');
    for (let i = 0; i < 50; i++) sub.channel.trigger('client-spam', { i });
    const e = (await error).data;
    assert(e.data.code === 4301, `pusher:error ${JSON.stringify(e)}`);
  },

  /** Requests signed with the wrong secret, or too old, get 401; the SDK reports the status. */
  async 'http-api-refuses-bad-signatures-and-old-timestamps'() {
    const channel = unique('c-');
    const forged = server('REPLICA_A', 'APP', 'not-the-secret');
    const wrong = await forged.trigger(channel, 'x', {}).then(() => 200, (e) => e.status);
    assert(wrong === 401, `forged signature got ${wrong}`);
    const realNow = Date.now;
    Date.now = () => realNow() - 3600 * 1000;
    let old;
    try {
      old = await server('REPLICA_A').trigger(channel, 'x', {}).then(() => 200, (e) => e.status);
    } finally {
      Date.now = realNow;
    }
    assert(old === 401, `an hour-old request got ${old}`);
    const fine = await server('REPLICA_A').trigger(channel, 'x', {}).then(() => 200, (e) => e.status);
    assert(fine === 200, `a good request got ${fine}`);
  },

  /** Two apps with the same channel name never see each other's events. */
  async 'apps-are-isolated'() {
    const channel = unique('shared-name-');
    const mine = client('REPLICA_A');
    const theirs = client('REPLICA_B', { app: 'QUIET_APP' });
    const subMine = await subscribed(mine, channel);
    const subTheirs = await subscribed(theirs, channel);
    let leaked = 0;
    subTheirs.channel.bind('secret', () => leaked++);
    const got = once(subMine.channel, 'secret');
    await server('REPLICA_B').trigger(channel, 'secret', {});
    await got;
    const marker = once(subTheirs.channel, 'marker');
    await server('REPLICA_B', 'QUIET_APP').trigger(channel, 'marker', {});
    await marker;
    assert(leaked === 0, 'an event of one app reached the other');
  },

  /** Subscribes, says READY, prints each event of CHANNEL as "EVENT <name> <data json>" until it got COUNT of them. */
  async 'listen'() {
    const channel = env('CHANNEL');
    const count = Number(process.env.COUNT || 1);
    const replica = process.env.REPLICA || 'REPLICA_A';
    const member = process.env.USER_ID ? { user_id: process.env.USER_ID } : undefined;
    const sub = await subscribed(client(replica, { member }), channel);
    let seen = 0;
    const done = new Promise((resolve) => sub.channel.bind_global((name, data) => {
      if (name.startsWith('pusher:')) return;
      console.log(`EVENT ${name} ${JSON.stringify(data)}`);
      if (++seen >= count) resolve();
    }));
    console.log('READY');
    await within(`${count} events`, done);
  },

  /** Triggers EVENT with DATA (JSON) on CHANNEL through the server SDK on REPLICA. */
  async 'trigger'() {
    await server(process.env.REPLICA || 'REPLICA_B').trigger(env('CHANNEL'), env('EVENT'), JSON.parse(env('DATA')));
  },

  /** Subscribes to CHANNEL as USER_ID, says READY, then waits for a line on stdin before disconnecting. */
  async 'member'() {
    const sub = await subscribed(client(process.env.REPLICA || 'REPLICA_A', { member: { user_id: env('USER_ID') } }),
      env('CHANNEL'));
    console.log(`READY ${sub.members.count}`);
    await lines()();
  },
};

async function main() {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (!scenario) {
    console.error(`unknown scenario ${name}; one of: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  try {
    await scenario();
    console.log(`PASS ${name}`);
    clients.forEach((c) => c.disconnect());
    setTimeout(() => process.exit(0), 100);
  } catch (e) {
    console.error(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    clients.forEach((c) => c.disconnect());
    setTimeout(() => process.exit(1), 100);
  }
}

main();

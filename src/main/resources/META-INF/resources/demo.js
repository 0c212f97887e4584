// The live demo at /: a chat with rooms and an online list on the Chorus client, showing which replica each person
// is connected to. Plain DOM, no framework, nothing from outside this server.
import { ChorusClient } from './chorus-client.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const ownServer = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;

/** The app-level payloads of this demo: chat text, and a hello each time a person (re)connects. */
const HELLO = 'hello';

const view = {
  client: null,
  current: null, // the room shown
  rooms: new Map(), // room -> {messages: element[], unread, members: Set}
  replicaOf: new Map(), // user -> the replica of their latest message: where they are connected
  online: { count: 0, users: [] }, // cluster-wide, refreshed every few seconds and on presence events
};

// --- the replica serving this page, from its liveness check (it names the replica)
fetch('/q/health/live')
  .then((response) => response.json())
  .then((health) => {
    const replica = health.checks?.find((check) => check.name === 'replica')?.data?.replica;
    $('page-replica').textContent = replica ?? 'this server';
  })
  .catch(() => {
    $('page-replica').textContent = 'this server';
  });

$('login-user').value = params.get('user') ?? '';
$('login-room').value = params.get('room') ?? 'lobby';
$('login-servers').value = params.get('servers') ?? ownServer;
$('login-token').value = params.get('token') ?? '';

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  start({
    user: $('login-user').value.trim(),
    room: $('login-room').value.trim(),
    token: $('login-token').value.trim(),
    servers: $('login-servers').value.split(',').map((s) => s.trim()).filter(Boolean),
  });
});

async function start({ user, room, token, servers }) {
  const client = new ChorusClient(servers.length ? servers : [ownServer], token ? { token } : { user });
  view.client = client;
  window.chorus = client; // for the curious, in the browser console
  client.on('state', showState);
  client.on('welcome', welcomed);
  client.on('message', received);
  client.on('joined', (joined) => {
    if (joined.since) { // a rejoin after a reconnect: the missed messages follow
      system(joined.room, joined.recovered
        ? `Rejoined ${joined.room}: the messages you missed follow, in order.`
        : `Rejoined ${joined.room}, but some messages could not be recovered.`);
      say(joined.room, { [HELLO]: true });
    }
    refreshMembers(joined.room);
  });
  client.on('member_joined', ({ room, user: who }) => {
    roomOf(room).members.add(who);
    system(room, `${who} joined ${room}`);
    renderPeople();
    refreshOnline();
  });
  client.on('member_left', ({ room, user: who }) => {
    roomOf(room).members.delete(who);
    system(room, `${who} left ${room}`);
    renderPeople();
    refreshOnline();
  });
  client.on('members', ({ room, users }) => { // the replica lost Redis for a while: who is here now
    roomOf(room).members = new Set(users);
    renderPeople();
  });
  client.on('gap', ({ room }) => system(room ?? view.current, 'Messages may be missing here: the server lost them.', 'warn'));
  client.on('error', (error) => system(view.current, `Error: ${error.message} (${error.code})`, 'error'));

  $('login-submit').disabled = true;
  try {
    await client.connect();
  } catch (error) {
    $('login-submit').disabled = false;
    $('login-error').hidden = false;
    $('login-error').textContent = `Could not connect: ${error.message}`;
    return;
  }
  $('login').hidden = true;
  $('app').hidden = false;
  await enter(room);
  $('composer-text').focus();
  setInterval(refreshOnline, 5000);
}

function welcomed(welcome) {
  $('me-user').textContent = welcome.user;
  setBadge($('me-replica'), welcome.replica);
  view.replicaOf.set(welcome.user, welcome.replica);
  if (welcome.reconnected) {
    system(view.current, `Reconnected to replica ${welcome.replica}.`);
  }
  renderPeople();
  refreshOnline();
}

function showState({ state, attempt, delay, code }) {
  const status = $('status');
  status.dataset.state = state;
  const badge = $('connected-replica');
  badge.hidden = state !== 'open';
  if (state === 'open') {
    $('status-text').textContent = 'connected to replica';
    setBadge(badge, view.client.replica);
  } else if (state === 'reconnecting') {
    $('status-text').textContent = `reconnecting (attempt ${attempt}, in ${(delay / 1000).toFixed(1)} s)`;
    if (attempt === 1 && view.current) {
      system(view.current, `Connection lost${code ? ` (${code})` : ''}: reconnecting…`, 'warn');
    }
  } else {
    $('status-text').textContent = state === 'connecting' ? 'connecting…' : 'not connected';
  }
}

// --- rooms

async function enter(room) {
  roomOf(room);
  show(room);
  if (!view.client.rooms.has(room)) {
    try {
      const joined = await view.client.join(room);
      await showEarlier(room, joined.position);
      say(room, { [HELLO]: true });
    } catch (error) {
      system(room, `Could not join ${room}: ${error.message}`, 'error');
    }
  }
}

function roomOf(room) {
  if (!view.rooms.has(room)) {
    view.rooms.set(room, { messages: [], unread: 0, members: new Set() });
  }
  return view.rooms.get(room);
}

function show(room) {
  view.current = room;
  const state = roomOf(room);
  state.unread = 0;
  $('chat-room').textContent = `# ${room}`;
  $('members-room').textContent = `# ${room}`;
  $('composer-text').placeholder = `Message # ${room}`;
  $('messages').replaceChildren(...state.messages);
  scrollDown();
  renderRooms();
  renderPeople();
}

async function leave(room) {
  // the room goes from the view either way; a leave the server did not confirm is said in the console
  await view.client.leave(room).catch((error) => console.warn(`leaving ${room}: ${error.message}`));
  view.rooms.delete(room);
  if (view.current === room) {
    const next = view.rooms.keys().next().value;
    if (next) {
      show(next);
    } else {
      enter('lobby');
    }
  }
  renderRooms();
}

function renderRooms() {
  $('rooms').replaceChildren(...[...view.rooms].map(([room, state]) => {
    const item = el('li', { className: room === view.current ? 'active' : '' });
    const open = el('button', { className: 'room', type: 'button', textContent: `# ${room}` });
    open.addEventListener('click', () => show(room));
    item.append(open);
    if (state.unread > 0) {
      item.append(el('span', { className: 'count', textContent: String(state.unread) }));
    }
    const close = el('button', { className: 'leave', type: 'button', title: `Leave ${room}`, textContent: '×' });
    close.addEventListener('click', () => leave(room));
    item.append(close);
    return item;
  }));
}

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const room = $('join-room').value.trim();
  if (room) {
    $('join-room').value = '';
    enter(room);
  }
});

// --- messages

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('composer-text');
  const text = input.value.trim();
  if (!text || !view.current) {
    return;
  }
  input.value = '';
  try {
    await view.client.publish(view.current, { text });
  } catch (error) {
    input.value = input.value || text; // not sent (or not known to be): let the person try again
    system(view.current, `Not sent: ${error.message}`, 'error');
  }
});

function say(room, payload) {
  // a hello that does not go out is not worth a word in the room, only in the console
  view.client.publish(room, payload).catch((error) => console.debug(`hello to ${room} not sent: ${error.message}`));
}

function received(message) {
  view.replicaOf.set(message.from, message.replica);
  const room = message.room;
  if (room === undefined || !view.rooms.has(room)) {
    return; // broadcasts and direct messages: not part of this demo
  }
  const hello = message.payload?.[HELLO] === true;
  const item = hello
    ? el('li', { className: 'msg hello' }, [
      el('span', { className: 'who', textContent: message.from }),
      document.createTextNode(' is here, connected to '),
      badge(message.replica),
    ])
    : messageItem(message);
  Object.assign(item.dataset, { room, from: message.from, replica: message.replica, offset: String(message.offset) });
  if (hello) {
    item.dataset.hello = 'true';
  }
  append(room, item, !hello);
  renderPeople();
}

/**
 * What was said in the room before this page joined (the room's history, up to the position it joined at), above
 * everything since. Marked as earlier: it was not received live.
 */
async function showEarlier(room, position) {
  if (!position || position.offset === 0) {
    return;
  }
  let page;
  try {
    page = await view.client.history(room, { limit: 20 });
  } catch {
    return; // history is a nicety: the chat works without it
  }
  const earlier = page.messages.filter((m) => m.epoch === position.epoch && m.offset <= position.offset
    && m.payload?.[HELLO] !== true);
  if (earlier.length === 0) {
    return;
  }
  const items = [el('li', { className: 'system info', textContent: `Earlier in # ${room}` }), ...earlier.map(messageItem)];
  items.forEach((item) => { item.dataset.earlier = 'true'; });
  roomOf(room).messages.unshift(...items);
  if (room === view.current) {
    $('messages').prepend(...items);
  }
}

function messageItem(message) {
  return el('li', { className: 'msg' }, [
    el('span', { className: 'avatar', textContent: message.from.slice(0, 1).toUpperCase() }),
    el('div', { className: 'body' }, [
      el('div', { className: 'meta' }, [
        el('span', { className: 'who', textContent: message.from }),
        badge(message.replica, 'via '),
        el('time', { textContent: new Date(message.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) }),
      ]),
      el('div', { className: 'text', textContent: textOf(message.payload) }),
    ]),
  ]);
}

function textOf(payload) {
  return typeof payload?.text === 'string' ? payload.text : JSON.stringify(payload);
}

function system(room, text, tone = 'info') {
  if (!room) {
    return;
  }
  append(room, el('li', { className: `system ${tone}`, textContent: text }), false);
}

function append(room, item, counts) {
  const state = roomOf(room);
  state.messages.push(item);
  if (state.messages.length > 500) {
    state.messages.shift().remove();
  }
  if (room === view.current) {
    const list = $('messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(item);
    if (atBottom) {
      scrollDown();
    }
  } else if (counts) {
    state.unread++;
    renderRooms();
  }
}

function scrollDown() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

// --- people

async function refreshMembers(room) {
  try {
    roomOf(room).members = new Set(await view.client.members(room));
    renderPeople();
  } catch {
    // disconnected: the next rejoin asks again
  }
}

async function refreshOnline() {
  if (view.client?.state !== 'open') {
    return;
  }
  try {
    view.online = await view.client.online();
    renderPeople();
  } catch {
    // disconnected: asked again once back
  }
}

function renderPeople() {
  const members = view.current ? [...roomOf(view.current).members].sort() : [];
  $('members').replaceChildren(...members.map(person));
  $('online-count').textContent = String(view.online.count);
  $('online').replaceChildren(...[...view.online.users].sort().map(person));
}

function person(user) {
  const item = el('li', {}, [el('span', { className: 'who', textContent: user })]);
  const replica = view.replicaOf.get(user);
  if (replica) {
    item.append(badge(replica));
  }
  item.dataset.user = user;
  return item;
}

// --- little helpers

function badge(replica, prefix = '') {
  const span = el('span', { className: 'replica-badge' });
  setBadge(span, replica, prefix);
  return span;
}

/** A replica's badge, in a colour of its own so the eye can follow each replica. */
function setBadge(span, replica, prefix = '') {
  span.textContent = `${prefix}${replica ?? '?'}`;
  span.dataset.replica = replica ?? '';
  let hash = 0;
  for (const char of replica ?? '') {
    hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  }
  span.style.setProperty('--hue', String((hash * 137) % 360));
}

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// Chorus client: the browser and Node client of the Chorus wire protocol (docs/protocol.md), version 1.
// One ES module, no dependencies. Served by every Chorus replica at /chorus-client.js and published to npm as
// @chorus/client from src/main/js/chorus-client. The API is documented in docs/client.md and chorus-client.d.ts.

const PROTOCOL_VERSION = 1;

/** Close codes after which reconnecting cannot help: the client stops (state "closed") and says why. */
const FATAL_CLOSE_CODES = new Map([
  [1002, 'protocol_error'],
  [1003, 'protocol_error'],
  [1007, 'protocol_error'],
  [1008, 'policy_violation'],
  [4001, 'token_expired'],
]);

/** Errors after which a (re)join is tried again, from the same position, after a backoff. */
const RETRIED_JOIN_ERRORS = new Set(['backplane_unavailable', 'rate_limited']);

/**
 * A replica that is busy refuses a connection before it opens: HTTP 503 with `Retry-After` (too many clients being
 * admitted at once; docs/protocol.md, "Try again later"), 429 (this user's connection limit), or, once open, a close
 * with 1013 (Try Again Later). The client then waits `backoff.retryAfter` (the server's Retry-After, 1 s) plus its
 * jittered backoff. Browsers hide a refused upgrade's status (it looks like 1006, as an unreachable replica does): only
 * where the platform tells it (Node's `ws`: "Unexpected server response: 503") is it recognised.
 */
const REFUSED_STATUSES = new Set([503, 429]);
const TRY_AGAIN_LATER = 1013;

/** The HTTP status of a refused upgrade, where the WebSocket implementation says it in its error event; else null. */
function refusedStatusOf(event) {
  const message = event?.message ?? event?.error?.message ?? '';
  const match = /Unexpected server response: (\d{3})/.exec(String(message));
  return match ? Number(match[1]) : null;
}

/** The answers a command's `ref` comes back with. */
const ANSWERS = new Set(['ack', 'joined', 'left', 'members', 'online', 'refreshed', 'history']);

function acked({ id, position }) {
  return position === undefined ? { id } : { id, position };
}

/** An error the server sent (`code` is one of docs/protocol.md's codes) or one the client raised itself. */
export class ChorusError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'ChorusError';
    this.code = code;
    Object.assign(this, details);
  }
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): "full jitter", a uniformly random delay between 0
 * and min(max, initial * 2^attempt), so that the clients of a replica that died do not all come back at once.
 */
export function backoffDelay(attempt, { initial = 500, max = 10000 } = {}, random = Math.random) {
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * A connection to a Chorus cluster that stays connected: it reconnects with backoff (to the next URL of its list
 * each time), rejoins its rooms and recovers the messages it missed from its last positions.
 */
export class ChorusClient {
  #urls;
  #options;
  #WebSocket;
  #listeners = new Map();
  #state = 'closed';
  #socket = null;
  #urlIndex = 0;
  #attempt = 0;
  #timer = null;
  #connectTimer = null;
  #nextRef = 1;
  #pending = new Map(); // ref -> {resolve, reject, room?}
  #rooms = new Map(); // room -> {position, status: idle|joining|joined, waiting: [{resolve, reject}]}
  #broadcast = null; // last position of the broadcast stream
  #welcome = null;
  #connected = null; // {promise, resolve, reject} of connect()
  #abandonedConnects = 0; // connect() promises rejected because the client stopped (see abandonedConnects)
  #detachedSocketErrors = 0; // errors of sockets the client had already let go of (see detachedSocketErrors)
  #token;
  #tokenInUrl;
  #user;

  /**
   * @param urls a WebSocket URL (`ws://host:8080/ws`) or a list of them to fail over between; in a browser it
   *   defaults to `/ws` of the page's own server
   * @param options `{token, tokenIn, user, WebSocket, backoff: {initial, max}, connectTimeout, random}`; the token is
   *   sent in the first frame (`{"type":"auth"}`), out of URLs and access logs, unless `tokenIn: 'url'` (`?token=`)
   */
  constructor(urls, options = {}) {
    if (urls == null) {
      if (typeof location === 'undefined') {
        throw new TypeError('ChorusClient needs a URL outside a browser');
      }
      urls = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    }
    this.#urls = (Array.isArray(urls) ? urls : [urls]).map(String);
    if (this.#urls.length === 0) {
      throw new TypeError('ChorusClient needs at least one URL');
    }
    this.#WebSocket = options.WebSocket ?? globalThis.WebSocket;
    if (typeof this.#WebSocket !== 'function') {
      throw new TypeError('no WebSocket: pass the WebSocket option (e.g. the "ws" package on Node 20)');
    }
    this.#options = {
      backoff: { initial: 500, max: 10000, retryAfter: 1000, ...options.backoff },
      connectTimeout: options.connectTimeout ?? 10000,
      random: options.random ?? Math.random,
    };
    this.#token = options.token ?? null;
    this.#tokenInUrl = options.tokenIn === 'url';
    this.#user = options.user ?? null;
  }

  /** connecting, open, reconnecting or closed. */
  get state() {
    return this.#state;
  }

  /** The `welcome` of the current (or last) connection: which replica, which user, which connection. */
  get welcome() {
    return this.#welcome;
  }

  /** The id of the replica this client is connected to, or null. */
  get replica() {
    return this.#state === 'open' ? this.#welcome?.replica ?? null : null;
  }

  /** The rooms this client is in (or will rejoin), each with the position of the last message it saw. */
  get rooms() {
    return new Map([...this.#rooms].map(([room, { position }]) => [room, position]));
  }

  /** The position of the last broadcast seen, recovered from on reconnect. */
  get position() {
    return this.#broadcast;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on(type, listener) {
    if (!this.#listeners.has(type)) {
      this.#listeners.set(type, new Set());
    }
    this.#listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) {
    this.#listeners.get(type)?.delete(listener);
  }

  /** How many connect() promises were rejected because the client stopped before it was welcomed. */
  get abandonedConnects() {
    return this.#abandonedConnects;
  }

  /**
   * How many errors came from sockets the client had already let go of: closing a socket that is still connecting
   * makes it report one. They change nothing (the client has moved on), so they are counted, not emitted.
   */
  get detachedSocketErrors() {
    return this.#detachedSocketErrors;
  }

  /**
   * Connects (or reconnects after close() or a 4001), and keeps reconnecting until close(). Resolves with the next
   * `welcome`; rejects when the client is closed before one arrives.
   */
  connect() {
    if (this.#state === 'open') {
      return Promise.resolve(this.#welcome);
    }
    if (!this.#connected) {
      let resolve;
      let reject;
      const promise = new Promise((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      this.#connected = { promise, resolve, reject };
    }
    if (this.#state === 'closed') {
      this.#attempt = 0;
      this.#setState('connecting');
      this.#open();
    }
    return this.#connected.promise;
  }

  /** Closes for good: no reconnect. Pending requests are rejected. Rooms and positions are kept for a later connect(). */
  close(code = 1000, reason = 'client closed') {
    clearTimeout(this.#timer);
    this.#timer = null;
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      this.#detach(socket);
      try {
        socket.close(code, reason);
      } catch {
        socket.close();
      }
    }
    this.#lost(new ChorusError('closed', 'the client was closed'));
    this.#stop(new ChorusError('closed', 'the client was closed'));
  }

  /**
   * Joins a room, and rejoins it after every reconnect from the last position seen, so missed messages arrive. Resolves
   * with the `joined` answer ({room, position, recovered?}); while disconnected, once the client is back.
   */
  join(room) {
    return new Promise((resolve, reject) => {
      let entry = this.#rooms.get(room);
      if (!entry) {
        entry = { position: null, status: 'idle', waiting: [] };
        this.#rooms.set(room, entry);
      }
      if (entry.status === 'joined' && this.#state === 'open') {
        resolve({ room, position: entry.position });
        return;
      }
      entry.waiting.push({ resolve, reject });
      if (this.#state === 'open' && entry.status === 'idle') {
        this.#sendJoin(room, entry);
      }
    });
  }

  /** Leaves a room (and stops rejoining it). Resolves when the server answers `left`, or at once while disconnected. */
  leave(room) {
    const entry = this.#rooms.get(room);
    this.#rooms.delete(room);
    entry?.waiting.forEach(({ reject }) => reject(new ChorusError('left', `left ${room} before it was joined`)));
    if (this.#state !== 'open') {
      return Promise.resolve({ room });
    }
    return this.#request({ type: 'leave', room });
  }

  /**
   * Publishes `payload` (any JSON value) to a room, or to everyone when `room` is null. Resolves with the server's
   * `ack` ({id, position}); rejects with the server's error (e.g. `rate_limited`, `backplane_unavailable`) or
   * `disconnected` (the message may or may not have gone out). A `backplane_unavailable` error carries `id`: the
   * message may still have gone out, and if it did it is delivered with that id.
   */
  publish(room, payload) {
    return this.#request(room == null ? { type: 'publish', payload } : { type: 'publish', room, payload }).then(acked);
  }

  /** Sends `payload` to every connection of one user. Resolves with the `ack`. */
  direct(user, payload) {
    return this.#request({ type: 'direct', to: user, payload }).then(acked);
  }

  /** The users in a room, cluster-wide. */
  members(room) {
    return this.#request({ type: 'members', room }).then((answer) => answer.users);
  }

  /**
   * Reads a room's history (null: the broadcast stream's) without joining it: its latest `limit` messages, or those
   * after `since` ({offset, epoch}). Resolves with {messages, position, recoverable}; the messages are `message`
   * events as `message` listeners get them, oldest first.
   */
  history(room, { limit, since } = {}) {
    const command = { type: 'history' };
    if (room != null) command.room = room;
    if (limit != null) command.limit = limit;
    if (since != null) command.since = since;
    return this.#request(command).then(({ messages, position, recoverable }) => ({ messages, position, recoverable }));
  }

  /** The users connected anywhere in the cluster: {count, users}. */
  online() {
    return this.#request({ type: 'online' }).then(({ count, users }) => ({ count, users }));
  }

  /**
   * Replaces the token: sent over the socket when connected (resolves with {expires}), and used for every later
   * connection. Call it with a fresh token before the old one expires, or after an `error` with code `token_expired`
   * followed by connect().
   */
  refresh(token) {
    this.#token = token;
    if (this.#state !== 'open') {
      return Promise.resolve({ expires: null });
    }
    return this.#request({ type: 'refresh', token }).then(({ expires }) => ({ expires }));
  }

  // --- connection

  #open() {
    const url = this.#connectionUrl(this.#urls[this.#urlIndex % this.#urls.length]);
    let socket;
    try {
      socket = new this.#WebSocket(url);
    } catch (failure) {
      this.#emit('error', new ChorusError('connect_failed', `cannot connect to ${url}: ${failure.message}`));
      this.#scheduleReconnect({ code: 1006, reason: failure.message });
      return;
    }
    this.#socket = socket;
    const token = this.#tokenInUrl ? null : this.#token;
    socket.onopen = token ? () => socket.send(JSON.stringify({ type: 'auth', token })) : null;
    socket.onmessage = (event) => this.#receive(socket, event.data);
    let refusedStatus = null;
    socket.onclose = (event) => this.#closed(socket, event.code, event.reason, refusedStatus);
    socket.onerror = (event) => { // a close event follows, with what is known
      refusedStatus = refusedStatusOf(event) ?? refusedStatus;
    };
    clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      if (this.#socket === socket && this.#state !== 'open') {
        this.#detach(socket);
        this.#socket = null;
        socket.close();
        this.#scheduleReconnect({ code: 1006, reason: 'no welcome within the connect timeout' });
      }
    }, this.#options.connectTimeout);
  }

  #connectionUrl(base) {
    const url = new URL(base, typeof location === 'undefined' ? undefined : location.href);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    for (const name of ['token', 'user', 'since', 'epoch']) {
      url.searchParams.delete(name);
    }
    if (this.#token && this.#tokenInUrl) {
      url.searchParams.set('token', this.#token);
    } else if (this.#user && !this.#token) {
      url.searchParams.set('user', this.#user);
    }
    if (this.#broadcast) {
      url.searchParams.set('since', String(this.#broadcast.offset));
      url.searchParams.set('epoch', this.#broadcast.epoch);
    }
    return url.toString();
  }

  #detach(socket) {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // Not null: closing a socket that is still connecting makes it report an error, and Node's `ws` throws an error
    // event nobody listens to (it took a whole process down in a fault-injection run).
    socket.onerror = () => {
      this.#detachedSocketErrors++;
    };
  }

  #closed(socket, code, reason, refusedStatus = null) {
    if (socket !== this.#socket) {
      return;
    }
    this.#detach(socket);
    this.#socket = null;
    clearTimeout(this.#connectTimer);
    this.#lost(new ChorusError('disconnected', `the connection closed (${code}${reason ? ` ${reason}` : ''})`, { closeCode: code }));
    const fatal = FATAL_CLOSE_CODES.get(code);
    if (fatal) {
      const error = new ChorusError(fatal, code === 4001
        ? 'the token expired: refresh(newToken) then connect()'
        : `the server closed the connection: ${code} ${reason || ''}`.trim(), { closeCode: code });
      this.#emit('error', error);
      this.#stop(error, { code, reason });
      return;
    }
    const refused = code === TRY_AGAIN_LATER || REFUSED_STATUSES.has(refusedStatus);
    this.#scheduleReconnect({ code, reason, refused, status: refusedStatus });
  }

  /** The connection is gone: every request waiting for an answer fails (it may or may not have been carried out). */
  #lost(error) {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of this.#rooms.values()) {
      entry.status = 'idle';
    }
    pending.forEach(({ reject }) => reject(error));
  }

  #stop(error, close = {}) {
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#timer);
    this.#timer = null;
    const waiting = [...this.#rooms.values()].flatMap((entry) => entry.waiting.splice(0));
    waiting.forEach(({ reject }) => reject(error));
    if (this.#connected) {
      this.#connected.reject(error);
      // Marked handled, and counted: its reason is already reported, through an 'error' event (a fatal close) or by
      // the caller's own close(); a caller that discarded connect()'s promise must not be crashed by it (Node).
      this.#connected.promise.catch(() => {
        this.#abandonedConnects++;
      });
      this.#connected = null;
    }
    this.#setState('closed', close);
  }

  #scheduleReconnect({ code, reason, refused = false, status = null }) {
    // a busy replica's "try again later" is honoured: its Retry-After first, then the jitter that spreads the crowd
    const backoff = this.#options.backoff;
    const delay = (refused ? backoff.retryAfter : 0) + backoffDelay(this.#attempt, backoff, this.#options.random);
    const attempt = ++this.#attempt;
    this.#urlIndex++; // the next attempt goes to the next URL: a dead replica is not tried twice in a row
    const why = refused ? { refused: true, ...(status ? { status } : {}) } : {};
    this.#setState('reconnecting', { attempt, delay, code, reason, ...why });
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#state === 'reconnecting') {
        this.#open();
      }
    }, delay);
  }

  #setState(state, details = {}) {
    const previous = this.#state;
    this.#state = state;
    if (previous !== state || state === 'reconnecting') {
      this.#emit('state', { state, previous, ...details });
    }
  }

  // --- frames

  #receive(socket, data) {
    let frame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data));
    } catch {
      this.#emit('error', new ChorusError('invalid_frame', 'the server sent a frame that is not JSON'));
      return;
    }
    if (frame === null || typeof frame !== 'object' || typeof frame.type !== 'string') {
      return;
    }
    if (frame.v !== undefined && frame.v !== PROTOCOL_VERSION) {
      this.#emit('error', new ChorusError('unsupported_version', `protocol version ${frame.v}, expected ${PROTOCOL_VERSION}`));
    }
    switch (frame.type) {
      case 'welcome':
        this.#welcomed(socket, frame);
        break;
      case 'message':
        this.#message(frame);
        break;
      case 'joined':
        this.#joined(frame);
        break;
      case 'gap':
        this.#gap(frame);
        break;
      case 'error':
        this.#error(frame);
        break;
      case 'left':
        if (frame.ref === undefined && frame.room !== undefined) {
          this.#removed(frame); // the server took the connection out of the room (a narrower grant after refresh)
        } else {
          this.#settle(frame.ref, frame);
        }
        break;
      case 'member_joined':
      case 'member_left':
        this.#emit(frame.type, frame);
        break;
      case 'members':
        if (frame.ref === undefined && frame.room !== undefined) {
          this.#emit('members', frame); // pushed: the room's members now, replacing what events said before
        } else {
          this.#settle(frame.ref, frame);
        }
        break;
      default:
        if (ANSWERS.has(frame.type)) {
          this.#settle(frame.ref, frame);
        }
    }
  }

  #welcomed(socket, frame) {
    clearTimeout(this.#connectTimer);
    const reconnected = this.#welcome !== null;
    const recovering = this.#broadcast !== null;
    this.#welcome = frame;
    this.#attempt = 0;
    if (frame.position && (!recovering || frame.recovered !== true)) {
      this.#broadcast = frame.position; // without recovery, live broadcasts follow this position
    }
    this.#setState('open', { replica: frame.replica });
    this.#emit('welcome', { ...frame, reconnected });
    if (recovering && frame.recovered === false) {
      this.#emit('gap', { room: null, recovered: false, position: frame.position ?? null, reason: 'recovery' });
    }
    for (const [room, entry] of this.#rooms) {
      this.#sendJoin(room, entry);
    }
    if (this.#connected) {
      this.#connected.resolve(frame);
      this.#connected = null;
    }
  }

  #sendJoin(room, entry) {
    const since = entry.position;
    const ref = this.#ref();
    const command = since ? { type: 'join', room, ref, since } : { type: 'join', room, ref };
    entry.status = 'joining';
    entry.since = since;
    this.#pending.set(ref, {
      room,
      resolve: () => {}, // settled by #joined, which sees the frame first
      reject: (error) => {
        if (error.code === 'disconnected' || error.code === 'closed') {
          return; // rejoined on the next connection
        }
        if (this.#rooms.get(room) !== entry) {
          return; // left meanwhile
        }
        if (RETRIED_JOIN_ERRORS.has(error.code)) {
          // The server could not join it now (Redis is away): the room is kept, from the same position, and joined
          // again after a backoff. Nothing of the room was delivered, so the position has not moved.
          entry.status = 'idle';
          this.#emit('error', error);
          const delay = backoffDelay(entry.retries ?? 0, this.#options.backoff, this.#options.random);
          entry.retries = (entry.retries ?? 0) + 1;
          setTimeout(() => {
            if (this.#rooms.get(room) === entry && entry.status === 'idle' && this.#state === 'open') {
              this.#sendJoin(room, entry);
            }
          }, delay);
          return;
        }
        this.#rooms.delete(room);
        const waiting = entry.waiting.splice(0);
        waiting.forEach(({ reject }) => reject(error));
        if (waiting.length === 0) {
          this.#emit('error', error); // a rejoin nobody waits for failed
        }
      },
    });
    this.#send(command);
  }

  #joined(frame) {
    if (frame.ref) {
      this.#pending.delete(frame.ref);
    }
    const entry = this.#rooms.get(frame.room);
    if (!entry || entry.status !== 'joining') {
      return; // left meanwhile
    }
    const since = entry.since;
    const recovering = since !== null;
    if (frame.position && (!recovering || frame.recovered !== true)) {
      entry.position = frame.position; // recovered: the missed messages follow and move the position themselves
    }
    entry.status = 'joined';
    entry.retries = 0;
    const answer = { room: frame.room, position: frame.position ?? null };
    if (recovering) {
      answer.recovered = frame.recovered === true;
      answer.since = since;
    }
    this.#emit('joined', answer);
    if (recovering && frame.recovered !== true) {
      this.#emit('gap', { room: frame.room, recovered: false, position: frame.position ?? null, reason: 'recovery' });
    }
    entry.waiting.splice(0).forEach(({ resolve }) => resolve(answer));
  }

  #message(frame) {
    if (frame.offset !== undefined && frame.epoch !== undefined && frame.to === undefined) {
      const room = frame.room;
      const entry = room === undefined ? null : this.#rooms.get(room);
      if (entry && entry.status !== 'joined') {
        return; // not (yet) a member on this connection: its position must not move past what it never delivered
      }
      const last = room === undefined ? this.#broadcast : entry?.position;
      if (last && last.epoch === frame.epoch && frame.offset <= last.offset) {
        return; // seen already (delivered before a reconnect, and recovered again)
      }
      const position = { offset: frame.offset, epoch: frame.epoch };
      if (room === undefined) {
        this.#broadcast = position;
      } else if (entry) {
        entry.position = position;
      }
    }
    this.#emit('message', frame);
  }

  #removed(frame) {
    const entry = this.#rooms.get(frame.room);
    if (!entry) {
      return;
    }
    this.#rooms.delete(frame.room); // not rejoined on reconnect: the server no longer allows it
    const error = new ChorusError(frame.reason ?? 'removed', `the server removed this connection from ${frame.room}`,
      { room: frame.room });
    entry.waiting.splice(0).forEach(({ reject }) => reject(error));
    this.#emit('error', error);
  }

  #gap(frame) {
    const entry = frame.room === undefined ? null : this.#rooms.get(frame.room);
    if (entry && entry.status !== 'joined') {
      return; // not a member on this connection yet: its rejoin answers for the room
    }
    if (frame.position) {
      if (frame.room === undefined) {
        this.#broadcast = frame.position;
      } else if (this.#rooms.has(frame.room)) {
        this.#rooms.get(frame.room).position = frame.position;
      }
    }
    this.#emit('gap', { room: frame.room ?? null, recovered: false, position: frame.position ?? null, reason: 'backplane' });
  }

  #error(frame) {
    const details = {};
    if (frame.ref !== undefined) details.ref = frame.ref;
    if (frame.id !== undefined) details.id = frame.id; // a publish that may still have gone out, with this id
    const error = new ChorusError(frame.code, frame.message, details);
    const pending = frame.ref === undefined ? undefined : this.#pending.get(frame.ref);
    if (pending) {
      this.#pending.delete(frame.ref);
      pending.reject(error);
    } else {
      this.#emit('error', error);
    }
  }

  #settle(ref, frame) {
    const pending = ref === undefined ? undefined : this.#pending.get(ref);
    if (pending) {
      this.#pending.delete(ref);
      pending.resolve(frame);
    }
  }

  #request(command) {
    if (this.#state !== 'open') {
      return Promise.reject(new ChorusError('disconnected', `not connected (${this.#state})`));
    }
    const ref = this.#ref();
    return new Promise((resolve, reject) => {
      this.#pending.set(ref, { resolve, reject });
      this.#send({ ...command, ref });
    });
  }

  #send(command) {
    this.#socket.send(JSON.stringify(command));
  }

  #ref() {
    return `c-${this.#nextRef++}`;
  }

  #emit(type, detail) {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        listener(detail);
      } catch (failure) {
        setTimeout(() => {
          throw failure; // a listener's bug must not break the client; report it as uncaught
        });
      }
    }
  }
}

export default ChorusClient;

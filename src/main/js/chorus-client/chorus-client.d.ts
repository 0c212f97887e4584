// Type declarations of chorus-client.js: the Chorus wire protocol, version 1 (docs/protocol.md); API in docs/client.md.

/** A message's place in its stream (a room, or the broadcast stream). */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ChorusClientOptions {
  /**
   * A signed JWT (required unless the server runs in anonymous mode): sent in the connection's first frame
   * (`{"type":"auth","token":…}`), so it stays out of URLs and access logs.
   */
  token?: string;
  /** Where the token goes: `'frame'` (default, the `auth` frame) or `'url'` (`?token=`, which proxies may log). */
  tokenIn?: 'frame' | 'url';
  /** Anonymous mode only: the user id, sent as `?user=`. */
  user?: string;
  /** A WebSocket constructor; defaults to the global one (browsers, Node 22+). On Node 20: `import WebSocket from 'ws'`. */
  WebSocket?: new (url: string) => WebSocketLike;
  /**
   * Reconnect delays in milliseconds: attempt n waits a random time in [0, min(max, initial * 2^n)]; after a busy
   * replica's refusal (HTTP 503/429 where the platform shows it, or a close with 1013) `retryAfter` (1000) more.
   */
  backoff?: { initial?: number; max?: number; retryAfter?: number };
  /** Milliseconds a connection attempt may take until its `welcome` before it is given up (default 10000). */
  connectTimeout?: number;
  /** Source of randomness for the backoff jitter, in [0, 1) (default Math.random). */
  random?: () => number;
}

/** The part of the WebSocket API the client uses. */
export interface WebSocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Welcome {
  v: 1;
  type: 'welcome';
  /** The replica this connection is on. */
  replica: string;
  connection: string;
  user: string;
  position?: StreamPosition;
  recovered?: boolean;
}

export interface WelcomeEvent extends Welcome {
  /** True when this is not the client's first connection. */
  reconnected: boolean;
}

/** An answer to `history`: messages oldest first, the stream's position now, and whether history reached back. */
export interface HistoryPage {
  messages: Message[];
  position: StreamPosition;
  recoverable: boolean;
}

export interface Message<P = unknown> {
  v: 1;
  type: 'message';
  /** Absent on direct messages. */
  offset?: number;
  epoch?: string;
  id: string;
  /** The replica the message was published on. */
  replica: string;
  from: string;
  ts: number;
  /** The room, for room messages. */
  room?: string;
  /** The recipient, for direct messages. */
  to?: string;
  payload: P;
}

export interface Joined {
  room: string;
  position: StreamPosition | null;
  /** Only when the join asked to recover (a rejoin after a reconnect): whether every missed message follows. */
  recovered?: boolean;
  /** The position the join recovered from. */
  since?: StreamPosition;
}

export interface Ack {
  id: string;
  /** Absent for direct messages. */
  position?: StreamPosition;
}

export interface MemberEvent {
  v: 1;
  type: 'member_joined' | 'member_left';
  room: string;
  user: string;
  ts: number;
}

/** The room's current members, pushed by a replica whose Redis subscription came back (events may have been lost). */
export interface MembersEvent {
  v: 1;
  type: 'members';
  room: string;
  users: string[];
}

export interface GapEvent {
  /** null: the broadcast stream. */
  room: string | null;
  recovered: false;
  /** The stream's position from which messages flow again. */
  position: StreamPosition | null;
  /** recovery: history could not reach back to the last position; backplane: the replica lost Redis and history. */
  reason: 'recovery' | 'backplane';
}

export interface StateEvent {
  state: ConnectionState;
  previous: ConnectionState;
  /** reconnecting: the attempt number (1 for the first) and the delay before it, in milliseconds. */
  attempt?: number;
  delay?: number;
  /** reconnecting or closed: the close code and reason of the connection that ended. */
  code?: number;
  reason?: string;
  /** reconnecting: the replica was busy (HTTP 503/429, or 1013) and asked to try again later; `status` when known. */
  refused?: boolean;
  status?: number;
  /** open: the replica connected to. */
  replica?: string;
}

export interface ChorusClientEvents {
  welcome: WelcomeEvent;
  message: Message;
  joined: Joined;
  member_joined: MemberEvent;
  member_left: MemberEvent;
  members: MembersEvent;
  gap: GapEvent;
  state: StateEvent;
  error: ChorusError;
}

/**
 * An error from the server (code as in docs/protocol.md: `rate_limited`, `backplane_unavailable`, `invalid_room`, …)
 * or from the client: `disconnected`, `closed`, `token_expired`, `policy_violation`, `protocol_error`,
 * `connect_failed`, `invalid_frame`, `left`.
 */
export class ChorusError extends Error {
  readonly code: string;
  /** The ref of the command that caused a server error. */
  readonly ref?: string;
  /** The close code, for errors caused by a closed connection. */
  readonly closeCode?: number;
  /**
   * On a `backplane_unavailable` refusal of a publish: the id the message is delivered with, should it have gone
   * out after all (Redis may have taken it and died before answering).
   */
  readonly id?: string;
  /** The room the server removed this connection from (code `forbidden`, after a refresh narrowed the grant). */
  readonly room?: string;
  constructor(code: string, message: string, details?: object);
}

/** The reconnect delay of attempt `attempt` (0 for the first): full jitter, capped. */
export function backoffDelay(
  attempt: number,
  backoff?: { initial?: number; max?: number },
  random?: () => number,
): number;

export class ChorusClient {
  /** @param urls one WebSocket URL or several to fail over between (default in a browser: `/ws` of the page's server) */
  constructor(urls?: string | string[], options?: ChorusClientOptions);

  readonly state: ConnectionState;
  readonly welcome: Welcome | null;
  /** The replica connected to, while open. */
  readonly replica: string | null;
  /** The rooms joined (or to rejoin), each with the position of the last message seen. */
  readonly rooms: Map<string, StreamPosition | null>;
  /** The position of the last broadcast seen. */
  readonly position: StreamPosition | null;

  on<K extends keyof ChorusClientEvents>(type: K, listener: (event: ChorusClientEvents[K]) => void): () => void;
  off<K extends keyof ChorusClientEvents>(type: K, listener: (event: ChorusClientEvents[K]) => void): void;

  connect(): Promise<Welcome>;
  close(code?: number, reason?: string): void;
  join(room: string): Promise<Joined>;
  leave(room: string): Promise<unknown>;
  publish(room: string | null, payload: unknown): Promise<Ack>;
  direct(user: string, payload: unknown): Promise<Ack>;
  members(room: string): Promise<string[]>;
  history(room: string | null, options?: { limit?: number; since?: StreamPosition }): Promise<HistoryPage>;
  online(): Promise<{ count: number; users: string[] }>;
  refresh(token: string): Promise<{ expires: number | null }>;
}

export default ChorusClient;

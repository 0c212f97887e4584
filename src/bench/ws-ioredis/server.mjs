// The seed's design, as a benchmark peer: ws + ioredis. A client's text goes to one Redis channel and from there to
// every client of every replica; with rooms, the same design per room: a join subscribes the replica to the room's
// channel while it has a member there, and a room publish goes to that channel and from there to the room's members.
// Wire (the load generator's): {"type":"join","room":R,...} is answered {"type":"joined","room":R} once the
// replica's subscription is live; {"type":"publish","room":R,...} is relayed as is to R's members; any other text is
// relayed as is to everyone. No acks, no history, no auth: the minimal design Chorus is measured against.
// PORT and REDIS_URL come from the load generator; GET /q/health/ready answers 200 once the subscription is live,
// like a Chorus replica, so the generator starts both the same way.
import http from 'node:http';
import Redis from 'ioredis';
import { WebSocketServer } from 'ws';

const CHANNEL = 'bench:broadcast';
const ROOM_PREFIX = 'bench:room:';
const pub = new Redis(process.env.REDIS_URL);
const sub = new Redis(process.env.REDIS_URL);
const rooms = new Map(); // room -> Set of this replica's sockets in it
let ready = false;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/q/health/ready' && ready ? 200 : 503).end();
});
const wss = new WebSocketServer({ server });

async function join(ws, room) {
  let members = rooms.get(room);
  if (!members) {
    members = new Set();
    rooms.set(room, members);
    members.live = sub.subscribe(ROOM_PREFIX + room);
  }
  members.add(ws);
  (ws.rooms ??= new Set()).add(room);
  await members.live;
  ws.send(JSON.stringify({ type: 'joined', room }));
}

function leaveAll(ws) {
  for (const room of ws.rooms ?? []) {
    const members = rooms.get(room);
    members.delete(ws);
    if (members.size === 0) {
      rooms.delete(room);
      sub.unsubscribe(ROOM_PREFIX + room);
    }
  }
}

wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    let frame;
    try { frame = JSON.parse(text); } catch { frame = null; }
    if (frame && typeof frame.room === 'string' && frame.type === 'join') {
      join(ws, frame.room).catch(() => ws.terminate());
    } else if (frame && typeof frame.room === 'string' && frame.type === 'publish') {
      pub.publish(ROOM_PREFIX + frame.room, text);
    } else {
      pub.publish(CHANNEL, text);
    }
  });
  ws.on('close', () => leaveAll(ws));
  ws.on('error', () => ws.terminate());
});

sub.on('message', (channel, message) => {
  const members = channel === CHANNEL ? wss.clients : rooms.get(channel.slice(ROOM_PREFIX.length));
  for (const client of members ?? []) {
    if (client.readyState === 1) client.send(message);
  }
});

await sub.subscribe(CHANNEL);
ready = true;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

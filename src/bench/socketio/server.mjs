// Socket.IO 4 with the Redis adapter, as a benchmark peer: a client's 'msg' event is emitted to every client of
// every replica (io.emit goes through the adapter's Redis channel); with rooms, '42["join",R]' puts the socket in room
// R (answered '42["joined",R]') and '42["room",R,payload]' is emitted as 'msg' to R's members on every replica
// (io.to(R).emit, through the adapter). WebSocket transport only, no long-polling, as the generator connects straight
// to /socket.io/?EIO=4&transport=websocket. PORT and REDIS_URL come from the load generator; GET /q/health/ready
// answers 200 once Redis is connected, like a Chorus replica.
import http from 'node:http';
import Redis from 'ioredis';
import { createAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';

const pub = new Redis(process.env.REDIS_URL);
const sub = pub.duplicate();
let ready = false;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/q/health/ready' && ready ? 200 : 503).end();
});
const io = new Server(server, { transports: ['websocket'], adapter: createAdapter(pub, sub) });

io.on('connection', (socket) => {
  socket.on('msg', (payload) => io.emit('msg', payload));
  socket.on('join', async (room) => {
    await socket.join(room);
    socket.emit('joined', room);
  });
  socket.on('room', (room, payload) => io.to(room).emit('msg', payload));
});

await Promise.all([pub.ping(), sub.ping()]); // commands are answered in order: the adapter's subscriptions are live
ready = true;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

// The seed's design, as a benchmark peer: ws + ioredis, one Redis channel, every message to every client.
// PORT and REDIS_URL come from the load generator; GET /q/health/ready answers 200 once the subscription is live,
// like a Chorus replica, so the generator starts both the same way.
import http from 'node:http';
import Redis from 'ioredis';
import { WebSocketServer } from 'ws';

const CHANNEL = 'bench:broadcast';
const pub = new Redis(process.env.REDIS_URL);
const sub = new Redis(process.env.REDIS_URL);
let ready = false;

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/q/health/ready' && ready ? 200 : 503).end();
});
const wss = new WebSocketServer({ server });

wss.on('connection', (ws) => {
  ws.on('message', (data) => pub.publish(CHANNEL, data.toString()));
  ws.on('error', () => ws.terminate());
});

sub.on('message', (_channel, message) => {
  for (const client of wss.clients) {
    if (client.readyState === 1) client.send(message);
  }
});

await sub.subscribe(CHANNEL);
ready = true;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));

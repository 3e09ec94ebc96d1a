// Baseline server for the realtime bench: a plain `ws` WebSocketServer that, on
// `{ type: 'broadcast', data }` over IPC, sends `data` (a string, serialized once) to every
// connected client. Prints `baseline ws: <port>` once it listens.
import { WebSocketServer } from 'ws';
import './realtime-probe.js';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('listening', () => {
  const { port } = wss.address() as { port: number };
  console.log(`baseline ws: ${port}`);
});
process.on('message', (m: { type?: string; data?: string }) => {
  if (m?.type !== 'broadcast' || typeof m.data !== 'string') return;
  for (const client of wss.clients) client.send(m.data);
});
process.on('SIGTERM', () => {
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
});

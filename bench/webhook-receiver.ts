// The webhook benchmark's receiver, a process of its own (so its work does not share the senders'
// event loop): verifies each request's Standard Webhooks signature, answers 500 to a random share
// of requests (FAIL_RATE), and otherwise applies the event once per webhook-id, as a receiver
// following the README would. Counts everything and reports to its parent over IPC.
//
//   spawned by bench/webhooks.bench.ts with SECRET (whsec_…) and FAIL_RATE (0.3) in its environment
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

const verifier = new Webhook(process.env.SECRET!);
const failRate = Number(process.env.FAIL_RATE ?? '0.3');

let stats = fresh();
function fresh() {
  return {
    requests: 0,
    /** Answered 500 on purpose: the sender must try these again. */
    refused: 0,
    /** Signature missing or wrong (answered 401; must be 0). */
    badSignature: 0,
    /** Requests whose webhook-id had been seen before (re-sends of a refused one, or worse). */
    resent: 0,
    /** Answered 2xx for a webhook-id already applied: a second successful delivery (must be 0). */
    appliedTwice: 0,
    seen: new Set<string>(),
    applied: new Set<string>(),
  };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    stats.requests++;
    const body = Buffer.concat(chunks).toString('utf8');
    const id = String(req.headers['webhook-id']);
    try {
      verifier.verify(body, req.headers as Record<string, string>);
    } catch {
      stats.badSignature++;
      res.writeHead(401).end('bad signature');
      return;
    }
    if (stats.seen.has(id)) stats.resent++;
    stats.seen.add(id);
    if (Math.random() < failRate) {
      stats.refused++;
      res.writeHead(500).end('try again');
      return;
    }
    if (stats.applied.has(id)) stats.appliedTwice++;
    else stats.applied.add(id);
    res.writeHead(204).end();
  });
});

server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'listening', port: (server.address() as AddressInfo).port });
});

process.on('message', (m: { type: string }) => {
  if (m.type === 'report') {
    const { seen, applied, ...counts } = stats;
    process.send!({ type: 'report', ...counts, distinctSeen: seen.size, applied: [...applied] });
  } else if (m.type === 'reset') {
    stats = fresh();
    process.send!({ type: 'reset' });
  } else if (m.type === 'stop') {
    server.close();
    process.disconnect();
  }
});

// One instance of the automation benchmark (bench/automation.bench.ts) in a process of its own,
// as instances are deployed: the services (src/deps.ts `openDeps`) on DATABASE_URL, its outbox
// dispatcher and background worker, no HTTP server (the bench's writers call the kernel from the
// bench process). The bench drives it over the IPC channel and reads its statements and CPU:
//   start                 start the outbox dispatcher and the worker (answers `started`)
//   kick                  a change committed (as a request served by this instance would kick)
//   stop-worker, start-worker   the backlog phase's pause (stop answers `worker-stopped`)
//   stats                 answers { statements, cpuMs, idle, active, shapes } (the event loop's idle and
//                         active ms so far; shapes while profiling)
//   profile               { on }: group the statements by their start from now on
//   close                 stop everything and exit
import { performance } from 'node:perf_hooks';
import { openDeps } from '../src/deps.js';
import { automationBenchConfig } from './kit.js';
import { openDatabase } from '../src/db.js';
import { createLogger } from '../src/lib/logger.js';

type Command = { cmd: 'start' | 'kick' | 'stop-worker' | 'start-worker' | 'stats' | 'close' } | { cmd: 'profile'; on: boolean };

const url = process.env.DATABASE_URL;
if (!url || !process.send) throw new Error('bench/automation-instance.ts is started by bench/automation.bench.ts');
const send = (m: object) => process.send!(m);

let statements = 0;
let profiling = false;
const shapes = new Map<string, number>();
const config = automationBenchConfig(url);
const database = await openDatabase({ kind: 'postgres', url, poolSize: 20 }, (sql) => {
  statements++;
  if (profiling) {
    const key = sql.replace(/\s+/g, ' ').slice(0, 90);
    shapes.set(key, (shapes.get(key) ?? 0) + 1);
  }
});
const opened = await openDeps(config, { database, logger: createLogger('silent'), outboxPollMs: 50 });
const { outbox, worker } = opened.deps;

process.on('message', (m: Command) => {
  void (async () => {
    switch (m.cmd) {
      case 'start':
        outbox.start();
        worker.start();
        send({ reply: 'started' });
        return;
      case 'kick':
        outbox.kick();
        return;
      case 'stop-worker':
        await worker.stop();
        send({ reply: 'worker-stopped' });
        return;
      case 'start-worker':
        worker.start();
        return;
      case 'profile':
        profiling = m.on;
        shapes.clear();
        return;
      case 'stats': {
        const c = process.cpuUsage();
        const { idle, active } = performance.eventLoopUtilization();
        send({ reply: 'stats', statements, cpuMs: (c.user + c.system) / 1000, idle, active, shapes: [...shapes] });
        return;
      }
      case 'close':
        await opened.close();
        process.exit(0);
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
// The bench gone (stopped, crashed): nothing more to do here.
process.on('disconnect', () => process.exit(0));
send({ reply: 'ready' });

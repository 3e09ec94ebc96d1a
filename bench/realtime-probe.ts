// Preloaded (`node --import tsx --import ./bench/realtime-probe.ts …`) into every server the
// realtime bench spawns. Over the IPC channel it answers `{ type: 'cpu' }` with the process's
// CPU time so far and `{ type: 'mem' }` with its memory after a full GC (needs --expose-gc);
// and it shuts the server down if the bench goes away.
const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', (m: { type?: string }) => {
  if (m?.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'cpu', cpuMicros: user + system });
  } else if (m?.type === 'mem') {
    gc?.();
    gc?.();
    const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
    process.send?.({ type: 'mem', rss, heapUsed, external, arrayBuffers });
  }
});

// An orphaned server would hold its port and database connections: stop as on SIGTERM.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

export {};

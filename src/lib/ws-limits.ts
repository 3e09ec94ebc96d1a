// Limits of live operations over graphql-ws: per socket and per user (across this instance's
// sockets), and how much a socket may have queued for a client that reads too slowly. graphql-ws
// lists an operation in its socket's `subscriptions` as soon as its Subscribe message arrives,
// before `onSubscribe` runs, so operations sent all at once are all counted.
import { ERRORS, LocalizedGraphQLError } from './errors.js';

type Socket = { subscriptions: Record<string, unknown> };

export class OperationQuota {
  private readonly byUser = new Map<string, Set<Socket>>();

  constructor(
    private readonly perSocket: number,
    private readonly perUser: number,
  ) {}

  /** A socket signed in as `userId` opened. */
  join(userId: string, socket: Socket) {
    let sockets = this.byUser.get(userId);
    if (!sockets) this.byUser.set(userId, (sockets = new Set()));
    sockets.add(socket);
  }

  /** The socket closed. */
  leave(userId: string, socket: Socket) {
    const sockets = this.byUser.get(userId);
    sockets?.delete(socket);
    if (sockets?.size === 0) this.byUser.delete(userId);
  }

  /** The error refusing the operation just received on `socket`, or null when it may run. */
  refusal(userId: string, socket: Socket): LocalizedGraphQLError | null {
    if (Object.keys(socket.subscriptions).length > this.perSocket) {
      return new LocalizedGraphQLError(ERRORS.operationsPerSocket({ max: this.perSocket }), { code: 'OPERATION_LIMIT', limit: this.perSocket });
    }
    let total = 0;
    for (const s of this.byUser.get(userId) ?? []) total += Object.keys(s.subscriptions).length;
    if (total > this.perUser) {
      return new LocalizedGraphQLError(ERRORS.operationsPerUser({ max: this.perUser }), { code: 'OPERATION_LIMIT', limit: this.perUser });
    }
    return null;
  }
}

/** What `limitQueued` needs of a ws WebSocket. */
type QueuedSocket = { readonly bufferedAmount: number; send(...args: unknown[]): void; terminate(): void };

/**
 * Ends a socket whose client has stopped reading, instead of queueing its messages without end:
 * once more than `maxBytes` wait to be written to it (`bufferedAmount`: the kernel's socket buffer
 * is full, so the client has not read for a while), the next message is not queued and the
 * connection is cut at once (`terminate`, which frees what was queued; a close frame would wait
 * behind it). The client sees an abnormal closure (1006), which graphql-ws's client retries: it
 * reconnects and subscribes again, and should read again what it missed. Every message of the
 * socket goes through its `send`, graphql-ws's own and the live groups' (lib/live-mux.ts).
 */
export function limitQueued(socket: QueuedSocket, maxBytes: number, onCut: (queued: number) => void) {
  const send = socket.send.bind(socket);
  let cut = false;
  socket.send = (...args: unknown[]) => {
    const queued = socket.bufferedAmount;
    if (!cut && queued <= maxBytes) return send(...args);
    // Cut once: the messages that still come before the socket's close is handled are dropped
    // alike, without another warning or terminate.
    if (!cut) {
      cut = true;
      onCut(queued);
      socket.terminate();
    }
    // Settled as graphql-ws settles a send to a socket no longer open: nothing sent, no error.
    const done = args.at(-1);
    if (typeof done === 'function') process.nextTick(done as () => void);
  };
}

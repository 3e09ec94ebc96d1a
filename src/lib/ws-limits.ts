// Limits of live operations over graphql-ws: per socket and per user (across this instance's
// sockets). graphql-ws lists an operation in its socket's `subscriptions` as soon as its Subscribe
// message arrives, before `onSubscribe` runs, so operations sent all at once are all counted.
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

// The typed client: queries and mutations over HTTP (fetch), subscriptions over graphql-ws, both
// carrying the session token. Documents are codegen's typed strings (./gql), so a result or a
// variable that does not match the printed schema is a type error here, not a surprise there.
import { createClient, type Client } from 'graphql-ws/client';
import type { TypedDocumentString } from './gql/graphql.js';

export type Doc<R, V> = TypedDocumentString<R, V>;

/** A GraphQL error outside the result unions (not signed in, rate limited, bad request). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Response<R> = { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };

function unwrap<R>(body: Response<R>): R {
  const e = body.errors?.[0];
  if (e) throw new ApiError(e.message, e.extensions?.code);
  if (!body.data) throw new ApiError('empty response', undefined);
  return body.data;
}

export class Api {
  private ws: Client | null = null;

  constructor(
    private readonly endpoint: string,
    private token: string | null,
    private locale: string,
  ) {}

  get signedIn() {
    return this.token !== null;
  }

  /** Signs in (or out, with null): live subscriptions restart with the new token. */
  setToken(token: string | null) {
    this.token = token;
    this.ws?.dispose();
    this.ws = null;
  }

  setLang(locale: string) {
    this.locale = locale;
  }

  private status: (live: boolean) => void = () => {};

  /** Tells whether the live connection is up (after a drop, graphql-ws reconnects and resubscribes). */
  onStatus(listener: (live: boolean) => void) {
    this.status = listener;
  }

  private headers(): Record<string, string> {
    return { 'accept-language': this.locale, ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) };
  }

  async request<R, V>(doc: Doc<R, V>, variables: V): Promise<R> {
    const res = await fetch(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.headers() },
      body: JSON.stringify({ query: doc.toString(), variables }),
    });
    return unwrap((await res.json()) as Response<R>);
  }

  /** A mutation with one file variable, as a GraphQL multipart request. */
  async upload<R, V>(doc: Doc<R, V>, variables: V, fileVariable: keyof V & string, file: File): Promise<R> {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: doc.toString(), variables: { ...variables, [fileVariable]: null } }));
    form.append('map', JSON.stringify({ 0: [`variables.${fileVariable}`] }));
    form.append('0', file, file.name);
    const res = await fetch(this.endpoint, { method: 'POST', headers: this.headers(), body: form });
    return unwrap((await res.json()) as Response<R>);
  }

  private socket(): Client {
    if (!this.ws) {
      const url = new URL(this.endpoint, location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const token = this.token;
      this.ws = createClient({
        url: url.toString(),
        connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
        lazy: true,
        retryAttempts: Infinity,
        shouldRetry: () => true,
        on: { connected: () => this.status(true), closed: () => this.status(false) },
      });
    }
    return this.ws;
  }

  /** Subscribes; `onData` gets each event. Answers the function that ends the subscription. */
  subscribe<R, V>(doc: Doc<R, V>, variables: V, onData: (data: R) => void, onError: (e: ApiError) => void): () => void {
    return this.socket().subscribe<R>(
      { query: doc.toString(), variables: variables as Record<string, unknown> },
      {
        next: (r) => {
          try {
            onData(unwrap(r as Response<R>));
          } catch (e) {
            onError(e as ApiError);
          }
        },
        error: (e) => onError(new ApiError(e instanceof Error ? e.message : String(e), undefined)),
        complete: () => {},
      },
    );
  }
}

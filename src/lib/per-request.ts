// Memoizes a lookup for the life of one request: the context object is the key, so nothing
// outlives the request and nothing is shared between viewers.
const caches = new WeakMap<object, Map<string, Promise<unknown>>>();

export function perRequest<T>(ctx: object, key: string, load: () => Promise<T>): Promise<T> {
  let m = caches.get(ctx);
  if (!m) caches.set(ctx, (m = new Map()));
  let p = m.get(key) as Promise<T> | undefined;
  if (!p) m.set(key, (p = load()));
  return p;
}

/** Forgets what this request memoized (after it changed what was loaded). */
export function forgetRequest(ctx: object) {
  caches.delete(ctx);
}

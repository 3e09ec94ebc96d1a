// Memoizes a lookup for the life of one request: the context object is the key, so nothing
// outlives the request and nothing is shared between viewers.
const caches = new WeakMap<object, Map<string, Promise<unknown>>>();

export function perRequest<T>(ctx: object, key: string, load: () => Promise<T>): Promise<T> {
  let m = caches.get(ctx);
  if (!m) caches.set(ctx, (m = new Map()));
  let p = m.get(key) as Promise<T> | undefined;
  if (!p) {
    const mine = (p = load());
    m.set(key, mine);
    // A failed load is not kept: a long-lived context (an automation batch's) asks again next time.
    mine.catch(() => {
      if (m.get(key) === mine) m.delete(key);
    });
  }
  return p;
}

/**
 * Starts `to`, a copy of the context `from` (the same viewer and database), with what `from`
 * memoized through perRequest so far: a batch's context reads no field definitions its caller
 * already read. What either memoizes afterwards stays its own.
 */
export function inheritRequest(from: object, to: object) {
  const had = caches.get(from);
  if (!had) return;
  const m = new Map(had);
  caches.set(to, m);
  for (const [key, p] of m) {
    p.catch(() => {
      if (m.get(key) === p) m.delete(key);
    });
  }
}

/** Like perRequest for a value that is not a promise (a DataLoader, say). */
export function perRequestValue<T>(ctx: object, key: string, make: () => T): T {
  const values = valueCaches.get(ctx) ?? new Map<string, unknown>();
  valueCaches.set(ctx, values);
  if (!values.has(key)) values.set(key, make());
  return values.get(key) as T;
}
const valueCaches = new WeakMap<object, Map<string, unknown>>();

/** Forgets what this request memoized (after it changed what was loaded). */
export function forgetRequest(ctx: object) {
  caches.delete(ctx);
  valueCaches.delete(ctx);
}

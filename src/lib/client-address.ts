// The client's address for rate limits. Behind trusted proxies it is read from X-Forwarded-For,
// where each proxy appends the address it received the request from: the client can write
// anything to the left of those, so the hop taken is the one the outermost trusted proxy wrote,
// counted from the right, never the left-most.

/**
 * `trustedProxies`: how many proxies stand in front of this server (0: the header is ignored).
 * With fewer hops in the header than proxies, the left-most hop is the best there is.
 */
export function clientAddress(trustedProxies: number, forwardedFor: string | undefined, socketAddress: string | undefined): string {
  if (trustedProxies > 0 && forwardedFor) {
    const hops = forwardedFor
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    if (hops.length) return hops[Math.max(0, hops.length - trustedProxies)];
  }
  return socketAddress ?? 'unknown';
}

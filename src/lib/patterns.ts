// Custom-field patterns, written by workspace admins, run on every value a user saves. They run
// on RE2 (re2js, a pure-JS port), whose matching time grows linearly with the input: a pattern
// like `(a+)+` cannot freeze the event loop of a server shared by every workspace, as the
// backtracking engine of JavaScript's RegExp can. RE2 has no look-around and no backreferences;
// such patterns are refused when the field is defined.
import { RE2JS } from 're2js';

const compiled = new Map<string, RE2JS | null>();
const KEEP = 500;

/** The compiled pattern, or null when RE2 cannot compile it (kept, bounded, by pattern text). */
function compile(pattern: string): RE2JS | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    if (compiled.size >= KEEP) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether a pattern can be used: RE2 syntax, compiled in linear-time form. */
export function validPattern(pattern: string): boolean {
  return compile(pattern) !== null;
}

/**
 * Whether the whole value matches the pattern (like HTML's pattern attribute). A stored pattern
 * RE2 cannot compile (written before patterns were checked with RE2) matches nothing.
 */
export function matchesPattern(pattern: string, value: string): boolean {
  return compile(pattern)?.matches(value) ?? false;
}

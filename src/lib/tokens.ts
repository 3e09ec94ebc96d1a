// Opaque bearer tokens. Only their SHA-256 is stored, so a database leak reveals no usable
// token; the prefix tells sessions and API keys apart without a lookup.
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

export const SESSION_PREFIX = 'crm_s_';
export const API_KEY_PREFIX = 'crm_k_';

export function newToken(prefix: string) {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashToken(token: string) {
  return createHash('sha256').update(token).digest('hex');
}

// argon2id with OWASP's recommended floor (19 MiB, 2 passes).
// algorithm 2 is Argon2id (a const enum in the typings, which isolatedModules cannot read).
const ARGON = { algorithm: 2 as const, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string) {
  return hash(password, ARGON);
}

export async function verifyPassword(passwordHash: string, password: string) {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verified against when the e-mail is unknown, so a failed login takes the same time either way.
export const DUMMY_HASH = hash('not-a-real-password', ARGON);

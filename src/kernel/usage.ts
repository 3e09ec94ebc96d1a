// Settings that others refer to by id (a stage, a pipeline, a custom field, a user) ask here
// before they go away: every module whose settings may name them registers a check that answers
// who uses them, and the removal is refused naming each (SPEC §8: deleting a field, stage or user
// that an automation uses is refused with the automations named).
import type { Db } from '../db.js';
import { ValidationError } from '../lib/errors.js';
import type { Message } from '../lib/i18n.js';

export type UsedThing = { kind: 'STAGE' | 'PIPELINE' | 'CUSTOM_FIELD' | 'USER'; id: string };
/** The users of a thing in a workspace, each as a message naming it. */
type Check = (db: Db, workspaceId: string, thing: UsedThing) => Promise<Message[]>;

const checks: { name: string; check: Check }[] = [];

export const usage = {
  register(name: string, check: Check) {
    if (!checks.some((c) => c.name === name)) checks.push({ name, check });
  },
  /** Refuses (ValidationError on `field`) when anything still uses the thing. */
  async assertUnused(db: Db, workspaceId: string, thing: UsedThing, field = 'id') {
    const users = (await Promise.all(checks.map((c) => c.check(db, workspaceId, thing)))).flat();
    if (users.length) throw new ValidationError(users.map((message) => ({ field, message })));
  },
};

// Every change of roles, field access, a user's role, teams or sessions, API keys, field
// definitions, automations, webhooks or the workspace's settings goes through the outbox as
// `settingsChanged`; each instance counts those per workspace, so a live subscription can tell
// that the rights it started with may have changed (modules/auth/live-viewer.ts), and a token's
// row read for one request can serve the next ones until its workspace's settings change
// (`kept`), as can what every card write consults: the field definitions, the automations and
// webhooks listening (`keptList`).

/** How long a kept value serves at most, should its workspace's settingsChanged never arrive (Redis down). */
export const KEEP_MS = 5_000;

type Kept = { value: unknown; workspaceId: string; epoch: number; until: number };

export class SettingsEpochs {
  private readonly epochs = new Map<string, number>();
  /** Bumps in all workspaces so far: a read during which it did not move raced no settings change. */
  private total = 0;
  /** forgetKept calls so far (a test seam's own count: reads under way then are not kept). */
  private forgets = 0;
  private readonly values = new Map<string, Kept>();
  /** Reads under way, by key, with the settings changes they started after (`stamp`). */
  private readonly reading = new Map<string, { stamp: number; value: Promise<unknown> }>();
  /**
   * Workspaces with settings changes of this instance queued and their events not all back yet:
   * nothing of theirs is kept or shared. `pending`: the changes whose event has not come back.
   */
  private readonly unsettled = new Map<string, { pending: number; until: number }>();
  constructor(
    private readonly keepMs = KEEP_MS,
    private readonly max = 10_000,
  ) {}
  epoch(workspaceId: string) {
    return this.epochs.get(workspaceId) ?? 0;
  }
  private advance(workspaceId: string) {
    this.epochs.set(workspaceId, this.epoch(workspaceId) + 1);
    this.total++;
  }
  /** A settingsChanged event arrived (after its change committed). */
  bump(workspaceId: string) {
    this.advance(workspaceId);
    const u = this.unsettled.get(workspaceId);
    if (u && --u.pending <= 0) this.unsettled.delete(workspaceId);
  }
  /**
   * This instance queues a settingsChanged in its transaction: what is kept of the workspace is
   * dropped now, and nothing of it is kept or shared again until the events of all such changes
   * came back (or `keepMs` passed since the last, should a transaction roll back), so a read
   * racing an uncommitted change, or one whose event is still on its way, is neither.
   */
  changing(workspaceId: string) {
    this.advance(workspaceId);
    this.unsettled.set(workspaceId, { pending: (this.unsettled.get(workspaceId)?.pending ?? 0) + 1, until: Date.now() + this.keepMs });
  }
  /**
   * What a read raced no settings change against: the settings changes of `workspaceId` when the
   * read knows its workspace beforehand (a list of the workspace's settings), else those of every
   * workspace (a token's row, whose workspace only its answer tells).
   */
  private stamp(workspaceId?: string): number {
    // Both counts only grow: their sum moves whenever either does.
    return workspaceId === undefined ? this.total : this.epoch(workspaceId) + this.forgets;
  }
  /**
   * `read()`'s answer for `key`, kept while its workspace's epoch stays where it was when the
   * read started, for at most `keepMs`. A null answer (nothing found) is not kept. `workspace`:
   * the workspace the answer belongs to, known before the read (then only that workspace's
   * settings changes during the read keep it from being kept or shared), or how the answer tells it.
   */
  async kept<T extends object>(key: string, read: () => Promise<T | null>, workspace: string | ((v: T) => string)): Promise<T | null> {
    const workspaceId = typeof workspace === 'string' ? workspace : undefined;
    const workspaceOf = typeof workspace === 'string' ? () => workspace : workspace;
    const k = this.values.get(key);
    if (k && k.until > Date.now() && k.epoch === this.epoch(k.workspaceId)) return k.value as T;
    if (k) this.values.delete(key);
    // A read of the same key started since the last settings change answers this caller too (a
    // settings change has each of a user's live subscriptions read their viewer at once), unless
    // its workspace has a change of this instance under way: a read started before that change's
    // commit is neither shared nor kept.
    const before = this.stamp(workspaceId);
    const under = this.reading.get(key);
    if (under && under.stamp === before) {
      const shared = (await under.value) as T | null;
      if (!shared || !this.settling(workspaceOf(shared))) return shared;
    }
    const reading = read();
    const entry = { stamp: before, value: reading };
    this.reading.set(key, entry);
    let value: T | null;
    try {
      value = await reading;
    } finally {
      if (this.reading.get(key) === entry) this.reading.delete(key);
    }
    const of = value && workspaceOf(value);
    if (value && of && this.stamp(workspaceId) === before && !this.settling(of)) {
      this.values.set(key, { value, workspaceId: of, epoch: this.epoch(of), until: Date.now() + this.keepMs });
      // The oldest goes first (a Map keeps insertion order).
      if (this.values.size > this.max) this.values.delete(this.values.keys().next().value as string);
    }
    return value;
  }
  /**
   * A list of the workspace's settings (its field definitions, the automations or webhooks a
   * change's consumers look for) read once and kept like a token's row: while the workspace's
   * epoch stays put, for at most `keepMs`. It is frozen, rows and all, as every request shares it.
   */
  async keptList<T>(workspaceId: string, key: string, read: () => Promise<T[]>): Promise<T[]> {
    const list = await this.kept(`${workspaceId}:${key}`, async () => frozen(await read()), workspaceId);
    return list!;
  }
  /** Settings changes of this instance in the workspace are queued and their events not all back (a few milliseconds). */
  settling(workspaceId: string) {
    const u = this.unsettled.get(workspaceId);
    if (u === undefined) return false;
    if (u.until > Date.now()) return true;
    this.unsettled.delete(workspaceId);
    return false;
  }
  /**
   * Test seam: drops every kept value, as `keepMs` passing would, and what the reads under way
   * would keep or share (a live member's re-read started before a test changed a row it reads).
   */
  forgetKept() {
    this.values.clear();
    this.total++;
    this.forgets++;
  }
}

/** `value` with its arrays and plain objects frozen, all the way down (dates, decimals and buffers left as they are). */
function frozen<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  for (const v of Object.values(value)) frozen(v);
  return Object.freeze(value);
}

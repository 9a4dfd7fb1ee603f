const WINDOW_MS = 3_600_000;

export interface RateVerdict {
  allowed: boolean;
  /** The first refusal in this window: the moment to tell the user once, not at every further event. */
  firstRefusal: boolean;
}

/**
 * Events per key (a LINE user, a partner) in the last hour, so one sender cannot run up the model
 * bill, Odoo's storage or a client's inbox. Kept in memory: a restart forgets the counts, which errs on
 * the client's side.
 */
export class RateLimit {
  private readonly seen = new Map<string, { at: number; id: string | undefined }[]>();
  private readonly refused = new Map<string, number>();

  constructor(
    readonly perHour: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event and says whether it is within the limit; an `id` already counted (a retry) is not counted again. */
  check(key: string, id?: string): RateVerdict {
    const now = this.now();
    const recent = (this.seen.get(key) ?? []).filter((t) => t.at > now - WINDOW_MS);
    if (id !== undefined && recent.some((t) => t.id === id)) return { allowed: true, firstRefusal: false };
    if (recent.length < this.perHour) {
      recent.push({ at: now, id });
      this.seen.set(key, recent);
      this.refused.delete(key);
      return { allowed: true, firstRefusal: false };
    }
    this.seen.set(key, recent);
    const refusedAt = this.refused.get(key);
    const firstRefusal = refusedAt === undefined || refusedAt <= now - WINDOW_MS;
    if (firstRefusal) this.refused.set(key, now);
    return { allowed: false, firstRefusal };
  }

  allow(key: string): boolean {
    return this.check(key).allowed;
  }
}

const WINDOW_MS = 3_600_000;

/**
 * Questions per LINE user in the last hour, so one user cannot run up the model bill. Kept in memory:
 * a restart forgets the counts, which errs on the client's side.
 */
export class RateLimit {
  private readonly seen = new Map<string, number[]>();

  constructor(
    readonly perHour: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a question and says whether it is within the limit. */
  allow(lineUserId: string): boolean {
    const now = this.now();
    const recent = (this.seen.get(lineUserId) ?? []).filter((t) => t > now - WINDOW_MS);
    const allowed = recent.length < this.perHour;
    if (allowed) recent.push(now);
    this.seen.set(lineUserId, recent);
    return allowed;
  }
}

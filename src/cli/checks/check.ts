/** One line of `lexreply doctor`: ✔, ✘ with the fix, ! for something to act on soon, or – when it does not apply or cannot run yet. */
export type CheckResult =
  | { status: "ok"; detail: string }
  | { status: "fail"; detail: string; fix: string }
  | { status: "warn"; detail: string; fix: string }
  | { status: "skip"; detail: string };

export interface Check {
  name: string;
  /** A check that cannot run before another one passed (nothing to ask Odoo without a login). */
  needs?: string;
  run(): Promise<CheckResult>;
}

export const ok = (detail: string): CheckResult => ({ status: "ok", detail });
export const fail = (detail: string, fix: string): CheckResult => ({ status: "fail", detail, fix });
export const warn = (detail: string, fix: string): CheckResult => ({ status: "warn", detail, fix });
export const skip = (detail: string): CheckResult => ({ status: "skip", detail });

export const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).split("\n")[0]!;

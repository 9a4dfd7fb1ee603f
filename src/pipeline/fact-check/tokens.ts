/** The classes of statements the check verifies; each has its own extractor. */
export const TOKEN_KINDS = ["case_number", "docket", "url", "email", "phone", "relative_date", "date", "time", "money", "outcome"] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** One statement of fact found in a normalized text. */
export interface Token {
  kind: TokenKind;
  /** As written, after normalization. */
  text: string;
  start: number;
  end: number;
  /**
   * What it may mean, in the kind's canonical form (`2026-12-16`, `--12-16`, `14:30`, `800000`);
   * grounded when any is grounded. Empty: it can never be grounded.
   */
  values: string[];
}

export type Found = Omit<Token, "kind">;

export interface Extractor {
  kind: TokenKind;
  /** `earlier` holds what extractors before this one found (a weekday next to a date belongs to it). */
  find(text: string, earlier: readonly Token[]): Found[];
}

/** Every match of `re` whose `read` gives values; `read` returns null for a match that is no such token. */
export function findAll(text: string, re: RegExp, read: (m: RegExpExecArray) => string[] | null): Found[] {
  const found: Found[] = [];
  for (const m of text.matchAll(re)) {
    const values = read(m as RegExpExecArray);
    if (values === null) continue;
    const lead = m[0].length - m[0].trimStart().length;
    const t = m[0].trim();
    found.push({ text: t, start: m.index + lead, end: m.index + lead + t.length, values });
  }
  return found;
}

/**
 * Runs the extractors in order; a span claimed by an earlier one (a case number, a URL, a date) is
 * not read again by a later one, so `2026-12-16` is never also a phone number.
 */
export function extractTokens(text: string, extractors: readonly Extractor[]): Token[] {
  const tokens: Token[] = [];
  for (const ex of extractors) {
    for (const f of ex.find(text, tokens)) {
      if (tokens.some((t) => f.start < t.end && f.end > t.start)) continue;
      tokens.push({ kind: ex.kind, ...f });
    }
  }
  return tokens.sort((a, b) => a.start - b.start);
}

import { z } from "zod";
import type { ClientFacts, MatterFacts } from "../pipeline/client-facts.js";
import { checkAnswer, findTokens, TOKEN_KINDS, type Failure, type TokenKind } from "../pipeline/fact-check.js";
import { formatTable } from "./eval-report.js";
import { readYamlFile } from "./golden.js";

// YAML reads an unquoted 2026-12-02 as a date under some schemas: either way it is a day.
const day = z.preprocess((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD"));

const matterSchema = z.object({
  number: z.string().min(1),
  title: z.string().default(""),
  case_type: z.string().default("other"),
  state: z.enum(["intake", "in_progress", "waiting_court", "hearing_scheduled", "settled", "closed"]).default("in_progress"),
  /** What the prompt shows for the state (the templates' label); defaults to the state itself. */
  state_label: z.string().optional(),
  court: z.string().default(""),
  next_event_date: z.union([day, z.literal("")]).default(""),
  next_event: z.string().default(""),
  lawyer: z.string().default(""),
  summary: z.string().default(""),
  updates: z.array(z.object({ date: day, summary: z.string() })).default([]),
});

const itemSchema = z.object({
  id: z.string().min(1),
  /** The client whose matters the answer is checked against: a key of `fixtures`. */
  fixture: z.string().min(1),
  lang: z.enum(["zh-TW", "en"]),
  /** The class of the one token the item is about: the ungrounded one it adds, or a grounded one it states. */
  kind: z.enum(TOKEN_KINDS),
  /** `hold`: the answer adds one ungrounded token of `kind`; `pass`: everything in it is grounded. */
  expect: z.enum(["hold", "pass"]),
  answer: z.string().min(1),
  /** Overrides the corpus's `today`. */
  today: day.optional(),
  note: z.string().optional(),
});

const corpusSchema = z
  .object({
    name: z.string().default("check corpus"),
    /** The date the prompt would give as today. */
    today: day,
    /** The firm's own contacts, which an answer may always give. */
    firm: z.object({ domains: z.array(z.string()).default([]), emails: z.array(z.string()).default([]), phones: z.array(z.string()).default([]) }).default({ domains: [], emails: [], phones: [] }),
    fixtures: z.record(z.string(), z.object({ name: z.string().default(""), matters: z.array(matterSchema).min(1) })),
    items: z.array(itemSchema).min(1),
  })
  .superRefine((c, ctx) => {
    c.items.forEach((item, i) => {
      if (!(item.fixture in c.fixtures)) ctx.addIssue({ code: "custom", path: ["items", i, "fixture"], message: `no fixture "${item.fixture}"` });
    });
    const ids = c.items.map((i) => i.id);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: "custom", path: ["items", i, "id"], message: `id "${id}" is used twice` });
    });
  });

export type CheckCorpus = z.output<typeof corpusSchema>;
type FixtureMatter = z.output<typeof matterSchema>;

export function loadCheckCorpus(path: string): CheckCorpus {
  return readYamlFile(path, corpusSchema);
}

function toMatter(m: FixtureMatter, id: number): MatterFacts {
  return {
    ...m,
    id,
    case_type_label: m.case_type,
    state_label: m.state_label ?? m.state,
    closed: m.state === "closed",
    paralegal_user_id: null,
  };
}

export function fixtureFacts(corpus: CheckCorpus, key: string): ClientFacts {
  const fixture = corpus.fixtures[key]!;
  return { partnerId: 0, name: fixture.name, matters: fixture.matters.map((m, i) => toMatter(m, i + 1)) };
}

export interface CorpusResult {
  id: string;
  kind: TokenKind;
  lang: "zh-TW" | "en";
  expect: "hold" | "pass";
  /**
   * `caught`: held, naming a token of its kind; `missed`: not; `passed`; `false hold`: a grounded answer
   * held; `unseen`: a grounded answer passed without a token of its kind being recognised at all.
   */
  outcome: "caught" | "missed" | "passed" | "false hold" | "unseen";
  failures: Failure[];
}

/** Every answer through `checkAnswer` against its own fixture, firm and today. */
export function runCheckCorpus(corpus: CheckCorpus): CorpusResult[] {
  return corpus.items.map((item) => {
    const verdict = checkAnswer(item.answer, { case_numbers: [], dates: [] }, fixtureFacts(corpus, item.fixture), { today: item.today ?? corpus.today, firm: corpus.firm });
    const failures = verdict.failures ?? [];
    const seen = findTokens(item.answer).some((t) => t.kind === item.kind);
    const outcome = item.expect === "pass" ? (!verdict.passed ? "false hold" : seen ? "passed" : "unseen") : failures.some((f) => f.kind === item.kind) ? "caught" : "missed";
    return { id: item.id, kind: item.kind, lang: item.lang, expect: item.expect, outcome, failures };
  });
}

export interface ClassTotals {
  kind: TokenKind;
  ungrounded: number;
  caught: number;
  missed: number;
  grounded: number;
  falseHolds: number;
  unseen: number;
}

/**
 * Per class. A held answer's failure of another class than its own means a grounded part of it was
 * not recognised: it counts as a false hold of that class.
 */
export function corpusTotals(results: CorpusResult[]): ClassTotals[] {
  return TOKEN_KINDS.map((kind) => {
    const own = results.filter((r) => r.kind === kind);
    const strays = results.filter((r) => r.expect === "hold" && r.kind !== kind && r.failures.some((f) => f.kind === kind)).length;
    return {
      kind,
      ungrounded: own.filter((r) => r.expect === "hold").length,
      caught: own.filter((r) => r.outcome === "caught").length,
      missed: own.filter((r) => r.outcome === "missed").length,
      grounded: own.filter((r) => r.expect === "pass").length,
      falseHolds: own.filter((r) => r.outcome === "false hold").length + strays,
      unseen: own.filter((r) => r.outcome === "unseen").length,
    };
  });
}

export function corpusReport(results: CorpusResult[]): string {
  const rows = corpusTotals(results);
  const sum = (f: (t: ClassTotals) => number) => String(rows.reduce((s, t) => s + f(t), 0));
  const cells = (t: ClassTotals) => [t.kind, String(t.ungrounded), String(t.caught), String(t.missed), String(t.grounded), String(t.falseHolds), String(t.unseen)];
  const table = formatTable(
    ["class", "ungrounded", "caught", "missed", "grounded", "false holds", "unseen"],
    [...rows.map(cells), ["total", sum((t) => t.ungrounded), sum((t) => t.caught), sum((t) => t.missed), sum((t) => t.grounded), sum((t) => t.falseHolds), sum((t) => t.unseen)]],
  );
  const problems = results.flatMap((r) => {
    const named = r.failures.map((f) => `${f.kind} "${f.token}"`).join(", ");
    if (r.outcome === "missed") return [`  ${r.id}: the ${r.kind} was not caught${named ? ` (held for ${named})` : ""}`];
    if (r.outcome === "false hold") return [`  ${r.id}: a grounded answer was held for ${named}`];
    if (r.outcome === "unseen") return [`  ${r.id}: passed, but no ${r.kind} was recognised in it`];
    const strays = r.failures.filter((f) => f.kind !== r.kind);
    return strays.length ? [`  ${r.id}: also held for ${strays.map((f) => `${f.kind} "${f.token}"`).join(", ")}`] : [];
  });
  return [table, ...(problems.length ? ["", "problems:", ...problems] : [])].join("\n");
}

/** Share of items the check got right: ungrounded caught plus grounded passed, without strays. */
export function corpusPassShare(results: CorpusResult[]): number {
  const right = results.filter((r) => (r.outcome === "caught" && r.failures.every((f) => f.kind === r.kind)) || r.outcome === "passed");
  return results.length ? right.length / results.length : 1;
}

import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { CliError } from "./io.js";

const DAY_MS = 86_400_000;

/** `{today+12}` stands for the date 12 days from now (YYYY-MM-DD): the sample firm's dates move with the calendar. */
export function resolveDates(fact: string, today: Date): string {
  return fact.replace(/\{today([+-]\d+)?\}/g, (_, offset: string | undefined) => new Date(today.getTime() + Number(offset ?? 0) * DAY_MS).toISOString().slice(0, 10));
}

const itemSchema = z.object({
  id: z.string().min(1),
  /** The sender's e-mail address: the client is the one partner with it, as the pipeline identifies e-mail senders. */
  client: z.string().min(3),
  channel: z.enum(["email", "line"]).default("email"),
  question: z.string().min(1),
  must_state: z.array(z.string()).default([]),
  must_not_state: z.array(z.string()).default([]),
  /** Whether the answer should reach the client (`answered`) or stop at a person (`held`). */
  expect: z.enum(["answered", "held"]).optional(),
  note: z.string().optional(),
});

const goldenSchema = z.object({
  name: z.string().default("golden set"),
  /** The team policy the answers are decided under; auto_if_grounded is the one firms turn on first. */
  policy: z.enum(["auto", "review", "auto_if_grounded"]).default("auto_if_grounded"),
  items: z.array(itemSchema).min(1),
});

export type GoldenItem = z.output<typeof itemSchema>;
export type GoldenSet = z.output<typeof goldenSchema>;

/** A golden set that cannot be read: exit 2, like any other unusable input. */
export class GoldenSetError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A YAML file checked against `schema`; any problem is a `GoldenSetError` naming the file and the field. */
export function readYamlFile<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new GoldenSetError(`${path}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new GoldenSetError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** Reads and checks a golden set, with `{today±N}` resolved against `today`. */
export function loadGoldenSet(path: string, today = new Date()): GoldenSet {
  const set = readYamlFile(path, goldenSchema);
  const resolve = (facts: string[]) => facts.map((f) => resolveDates(f, today));
  return { ...set, items: set.items.map((i) => ({ ...i, must_state: resolve(i.must_state), must_not_state: resolve(i.must_not_state) })) };
}

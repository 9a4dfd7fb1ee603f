import { z } from "zod";
import { imapUrlSchema } from "./channels/email/imap-settings.js";
import { smtpUrlSchema } from "./channels/email/smtp-settings.js";

/**
 * A URL whose scheme is one of `schemes` (a schemeless `odoo:8069` parses as the scheme `odoo:`, so
 * the scheme is what tells); `origin`: nothing after the host, for a base the code appends to.
 */
const urlWith = (schemes: string[], example: string, opts: { origin?: string } = {}) =>
  z.string().superRefine((text, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: "custom", message });
    if (!URL.canParse(text)) return fail(`is not a URL; expected e.g. ${example}`);
    const url = new URL(text);
    if (!schemes.includes(url.protocol.slice(0, -1)) || !url.hostname) {
      return fail(`must start with ${schemes.map((s) => `${s}://`).join(" or ")} and name a host, e.g. ${example} (got "${text}")`);
    }
    if (opts.origin && url.pathname !== "/") fail(opts.origin);
  });
const httpUrl = (example: string) => urlWith(["http", "https"], example);

/** Odoo's origin: the client appends `/jsonrpc`, so a path here would be silently dropped. */
const odooOrigin = urlWith(["http", "https"], "http://odoo:8069", { origin: "must be Odoo's origin only, e.g. http://odoo:8069 (without /web or /jsonrpc)" });

const intFrom = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);

/** Every environment variable the sidecar reads; `.env.example` documents each one. */
const settingsShape = {
  PORT: intFrom(8080, 1, 65535),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),

  ODOO_URL: odooOrigin.optional(),
  ODOO_DB: z.string().optional(),
  ODOO_LOGIN: z.string().default("lexreply-bot"),
  ODOO_API_KEY: z.string().optional(),
  ODOO_TIMEOUT_MS: intFrom(10_000, 100),
  /** Where staff open a ticket in a browser, when it differs from the URL the sidecar uses. */
  ODOO_PUBLIC_URL: httpUrl("https://odoo.example-firm.tw").optional(),
  ASK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  MAX_CONCURRENT_ANSWERS: intFrom(4, 1),

  LLM_MODE: z.enum(["openai", "templates"]).optional(),
  /** What answers when the model fails: the neutral holding reply, or the template-only answerer. */
  LLM_FALLBACK: z.enum(["holding", "templates"]).default("holding"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: httpUrl("https://api.openai.com/v1").optional(),
  /** `responses` (OpenAI, Azure) or `chat` for servers that only speak Chat Completions. */
  OPENAI_API: z.enum(["responses", "chat"]).default("responses"),
  LLM_MODEL: z.string().default("gpt-5"),
  LLM_TIMEOUT_MS: intFrom(30_000, 100),
  LLM_REASONING_EFFORT: z.enum(["minimal", "low", "medium", "high"]).default("low"),
  LLM_VERBOSITY: z.enum(["low", "medium", "high"]).default("low"),

  LINE_CHANNEL_SECRET: z.string().optional(),
  LINE_CHANNEL_ACCESS_TOKEN: z.string().optional(),
  LINE_API_BASE_URL: httpUrl("https://api.line.me").optional(),
  LINE_DATA_API_BASE_URL: httpUrl("https://api-data.line.me").optional(),
  /** A reply token is good for about a minute; past this age the answer is pushed instead. */
  LINE_REPLY_TOKEN_TTL_MS: intFrom(50_000, 1_000),
  LINE_RATE_LIMIT_PER_HOUR: intFrom(20, 1),
  /** LINE events handed to Odoo at once (one at a time per LINE user, so each client's order is kept). */
  LINE_INTAKE_CONCURRENCY: intFrom(8, 1),
  /** Keys the HMAC of linking codes (docs/line.md); else derived from LINE_CHANNEL_SECRET. Never in DATA_DIR. */
  LINK_CODE_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /** Days a handled or given-up LINE event (client text included) stays in the outbox. */
  LINE_OUTBOX_KEEP_DAYS: intFrom(7, 1),

  /** Taken apart by the e-mail channel; checked here so a bad one stops the start with the others. */
  IMAP_URL: z
    .string()
    .superRefine((url, ctx) => imapUrlSchema.safeParse(url).error?.issues.forEach((i) => ctx.addIssue({ code: "custom", message: i.message })))
    .optional(),
  IMAP_POLL_MS: intFrom(30_000, 1_000),
  /** The helpdesk team new tickets from the IMAP mailbox join (its policy, its leader's activities); none when unset. */
  IMAP_TEAM_ID: z.coerce.number().int().positive().optional(),
  SMTP_URL: z
    .string()
    .superRefine((url, ctx) => smtpUrlSchema.safeParse(url).error?.issues.forEach((i) => ctx.addIssue({ code: "custom", message: i.message })))
    .optional(),
  /** `true` lets imap:// and smtp:// log in without STARTTLS, to a server on this machine only (docs/email.md). */
  MAIL_ALLOW_PLAINTEXT_LOCALHOST: z.enum(["true", "false"], { error: "must be true or false" }).default("false").transform((v) => v === "true"),
  SMTP_FROM: z.string().optional(),
  STAFF_EMAIL: z.string().optional(),
  STAFF_DIGEST_MS: intFrom(60_000, 1_000),
  /** What to do when the receiving server says the sender's address failed DMARC/DKIM/SPF. */
  SENDER_AUTH_POLICY: z.enum(["trust_all", "hold_on_fail", "require_pass"]).default("hold_on_fail"),

  TEMPLATES_DIR: z.string().optional(),
  /** The durable outbox (SQLite) and other local state. */
  DATA_DIR: z.string().default("var"),
};

const KNOWN = Object.keys(settingsShape);

/**
 * Settings that only make sense against a real firm: any one of them means this is a production
 * start, which then needs ODOO_URL. Sandbox mode is for a start with none of them, so a mistyped
 * ODOO_URL can never turn a production start into a sandbox fed with the firm's real channels.
 */
const PRODUCTION = [
  "ODOO_URL",
  "ODOO_DB",
  "ODOO_API_KEY",
  "ODOO_PUBLIC_URL",
  "ASK_SECRET",
  "LINE_CHANNEL_SECRET",
  "LINE_CHANNEL_ACCESS_TOKEN",
  "IMAP_URL",
  "IMAP_TEAM_ID",
  "SMTP_URL",
  "SMTP_FROM",
  "STAFF_EMAIL",
];

/** Variables other tools read that share our prefixes: not typos. */
const FOREIGN = new Set(["OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_LOG", "ODOO_RC", "ODOO_SRC", "ODOO_ADDONS"]);
const OUR_PREFIXES = /^(LEXREPLY|ODOO|LINE|IMAP|SMTP|LLM|OPENAI|STAFF|ASK|SENDER)_/i;

const settingsObject = z.object(settingsShape);

/** What follows from the settings: the answerer to use. */
const withDerived = <C extends { LLM_MODE?: "openai" | "templates"; OPENAI_API_KEY?: string }>(c: C) => ({
  ...c,
  llmMode: c.LLM_MODE ?? (c.OPENAI_API_KEY ? ("openai" as const) : ("templates" as const)),
});

const required = (why: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? `is required ${why}` : "must be text") });

/** No production setting: the built-in stand-in with a sample firm, loopback only, unable to reach a real client. */
const sandboxSchema = settingsObject.extend({ mode: z.literal("sandbox") }).transform((c) => ({ ...withDerived(c), sandbox: true as const }));

/** A firm's Odoo: everything the sidecar needs to reach it and to check the addon's signature. */
const odooSchema = settingsObject
  .extend({
    mode: z.literal("odoo"),
    ODOO_URL: odooOrigin,
    ODOO_DB: z.string(required("for a production start: the Odoo database name")),
    ODOO_API_KEY: z.string(required("for a production start: lexreply-bot's key (Settings → LexReply → Generate a new API key)")),
    ASK_SECRET: z.string(required("for a production start: the secret the addon signs /ask with")).min(16, "must be at least 16 characters"),
  })
  .transform((c) => ({ ...withDerived(c), sandbox: false as const }));

/** What the sidecar runs with: the sandbox or a firm's Odoo, told apart by `mode`. */
const configSchema = z.discriminatedUnion("mode", [sandboxSchema, odooSchema]);

export type Config = z.output<typeof configSchema>;
export type SandboxConfig = Extract<Config, { mode: "sandbox" }>;
export type OdooConfig = Extract<Config, { mode: "odoo" }>;

type RawEnv = Record<string, string>;

// Empty strings in an env file mean "not set", as in most dotenv tooling.
const blankToUndefined = (env: NodeJS.ProcessEnv): RawEnv =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ""));

/** Edits (insert, delete, replace, swap two neighbours) from one name to the other. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The setting a mistyped name most likely meant (`ODOO_URl`, `ODOO_ULR`), if any is close; of equals, the one of the same length. */
function meant(name: string): string | undefined {
  const upper = name.toUpperCase();
  const score = (k: string) => editDistance(upper, k) * 100 + Math.abs(k.length - upper.length);
  return KNOWN.filter((k) => editDistance(upper, k) <= 2).sort((x, y) => score(x) - score(y))[0];
}

/** Set variables that look like ours but are not: each a warning, with the setting it probably meant. */
function unknownSettings(env: RawEnv): { name: string; meant?: string }[] {
  return Object.keys(env)
    .filter((name) => OUR_PREFIXES.test(name) && !KNOWN.includes(name) && !FOREIGN.has(name))
    .map((name) => ({ name, meant: meant(name) }));
}

/** Rules between variables, checked on the raw values so they are reported alongside type errors. */
function crossFieldProblems(env: RawEnv, production: string[], typos: { name: string; meant?: string }[]): string[] {
  const problems: string[] = [];
  const need = (key: string, why: string) => {
    if (env[key] === undefined) problems.push(`${key}: is required ${why}`);
  };
  if (production.length > 0 && !env.ODOO_URL) {
    const typo = typos.find((t) => t.meant === "ODOO_URL");
    problems.push(
      `ODOO_URL: is not set, but ${production.join(", ")} ${production.length > 1 ? "are" : "is"}: a production start needs ODOO_URL` +
        (typo ? ` (${typo.name} is set: did you mean ODOO_URL?)` : "") +
        "; sandbox mode starts only when no production setting is present",
    );
  }
  if (env.LLM_MODE === "openai") need("OPENAI_API_KEY", "when LLM_MODE=openai (or set LLM_MODE=templates)");
  if (Boolean(env.LINE_CHANNEL_SECRET) !== Boolean(env.LINE_CHANNEL_ACCESS_TOKEN)) {
    need("LINE_CHANNEL_SECRET", "together with LINE_CHANNEL_ACCESS_TOKEN");
    need("LINE_CHANNEL_ACCESS_TOKEN", "together with LINE_CHANNEL_SECRET");
  }
  return problems;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join("\n")}`);
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: Config;
  /** Not fatal, but worth a line in the log: variables that look like ours and are not, settings sandbox mode ignores. */
  warnings: string[];
}

/** Reads and checks the settings; every problem is reported at once, one line each. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const raw = blankToUndefined(env);
  const typos = unknownSettings(raw);
  // A near-miss of a production setting (ODOO_URl) shows production intent as surely as the setting itself.
  const production = [
    ...PRODUCTION.filter((k) => raw[k] !== undefined),
    ...typos.filter((t) => t.meant && PRODUCTION.includes(t.meant)).map((t) => t.name),
  ];
  const mode = production.length > 0 ? "odoo" : "sandbox";
  const parsed = configSchema.safeParse({ ...raw, mode });
  const problems = [
    // ODOO_URL's absence is explained once, with what made this a production start.
    ...(parsed.error?.issues.filter((i) => !(i.path[0] === "ODOO_URL" && raw.ODOO_URL === undefined)).map((i) => `${i.path.join(".") || "config"}: ${i.message}`) ?? []),
    ...crossFieldProblems(raw, production, typos),
  ];
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const warnings = typos.map((t) => `${t.name}: is not a LexReply setting and is ignored${t.meant ? ` (did you mean ${t.meant}?)` : ""}`);
  if (parsed.data.mode === "sandbox" && raw.HOST && raw.HOST !== "127.0.0.1") warnings.push(`HOST: ${raw.HOST} is ignored in sandbox mode, which listens on 127.0.0.1 only`);
  const config: Config = parsed.data.mode === "sandbox" ? { ...parsed.data, HOST: "127.0.0.1" } : parsed.data;
  return { config, warnings };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return readSettings(env).config;
}

/**
 * `.env` in the working directory, as the README's steps say; a variable already in the environment
 * (the service manager's, the shell's) wins over the file, as `process.loadEnvFile` does.
 */
export function loadDotEnv(path = ".env"): boolean {
  try {
    process.loadEnvFile(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

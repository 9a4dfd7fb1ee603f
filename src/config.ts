import { z } from "zod";
import { imapUrlSchema } from "./channels/email/imap-settings.js";
import { smtpUrlSchema } from "./channels/email/smtp-settings.js";

const optionalUrl = z.url().optional();
const intFrom = (def: number, min = 0) =>
  z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(min, `must be at least ${min}`).default(def);
// Empty strings in an env file mean "not set", as in most dotenv tooling.
const blankToUndefined = (env: NodeJS.ProcessEnv) =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));

/** Every environment variable the sidecar reads; `.env.example` documents each one. */
const baseSchema = z
  .object({
    PORT: intFrom(8080),
    HOST: z.string().default("0.0.0.0"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),

    ODOO_URL: optionalUrl,
    ODOO_DB: z.string().optional(),
    ODOO_LOGIN: z.string().default("lexreply-bot"),
    ODOO_API_KEY: z.string().optional(),
    ODOO_TIMEOUT_MS: intFrom(10_000, 100),
    /** Where staff open a ticket in a browser, when it differs from the URL the sidecar uses. */
    ODOO_PUBLIC_URL: optionalUrl,
    ASK_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    MAX_CONCURRENT_ANSWERS: intFrom(4, 1),

    LLM_MODE: z.enum(["openai", "templates"]).optional(),
    /** What answers when the model fails: the neutral holding reply, or the template-only answerer. */
    LLM_FALLBACK: z.enum(["holding", "templates"]).default("holding"),
    OPENAI_API_KEY: z.string().optional(),
    OPENAI_BASE_URL: optionalUrl,
    /** `responses` (OpenAI, Azure) or `chat` for servers that only speak Chat Completions. */
    OPENAI_API: z.enum(["responses", "chat"]).default("responses"),
    LLM_MODEL: z.string().default("gpt-5"),
    LLM_TIMEOUT_MS: intFrom(30_000, 100),
    LLM_REASONING_EFFORT: z.enum(["minimal", "low", "medium", "high"]).default("low"),
    LLM_VERBOSITY: z.enum(["low", "medium", "high"]).default("low"),

    LINE_CHANNEL_SECRET: z.string().optional(),
    LINE_CHANNEL_ACCESS_TOKEN: z.string().optional(),
    LINE_API_BASE_URL: optionalUrl,
    LINE_DATA_API_BASE_URL: optionalUrl,
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
  })
  .transform((c) => ({
    ...c,
    /** No Odoo configured: the built-in stand-in with a sample firm, unable to reach a real client. */
    sandbox: !c.ODOO_URL,
    llmMode: c.LLM_MODE ?? (c.OPENAI_API_KEY ? "openai" : "templates"),
  }));

export type Config = z.output<typeof baseSchema>;

type RawEnv = Record<string, string | undefined>;

/** Rules between variables, checked on the raw values so they are reported alongside type errors. */
function crossFieldProblems(env: RawEnv): string[] {
  const problems: string[] = [];
  const need = (key: string, why: string) => {
    if (env[key] === undefined) problems.push(`${key}: is required ${why}`);
  };
  if (env.ODOO_URL) {
    need("ODOO_DB", "when ODOO_URL is set");
    need("ODOO_API_KEY", "when ODOO_URL is set");
    need("ASK_SECRET", "when ODOO_URL is set (the addon signs /ask with it)");
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
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw: RawEnv = blankToUndefined(env);
  const parsed = baseSchema.safeParse(raw);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`)),
    ...crossFieldProblems(raw),
  ];
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

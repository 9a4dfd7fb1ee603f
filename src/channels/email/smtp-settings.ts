import nodemailer, { type Transporter } from "nodemailer";
import { z } from "zod";
import { mailTls, NO_QUERY, type MailTls } from "./mail-tls.js";

/** Where LexReply sends mail itself (staff digest, linking codes): everything `SMTP_URL` says. */
export interface SmtpSettings {
  host: string;
  port: number;
  /** `smtps://`: TLS from the first byte. */
  secure: boolean;
  auth: { user: string; pass: string } | undefined;
  tls: MailTls;
}

/** `smtp://user:password@host:port` or `smtps://…` (DESIGN "Mail URLs"), the form nodemailer takes; no query options. */
export const smtpUrlSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return new URL(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not a URL (smtp://user:password@host:port)" });
      return z.NEVER;
    }
  })
  .pipe(
    z.custom<URL>().superRefine((url, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (url.protocol !== "smtp:" && url.protocol !== "smtps:") fail("must start with smtp:// or smtps://");
      if (!url.hostname) fail("names no host");
      if (Boolean(url.username) !== Boolean(url.password)) fail("needs both a user and a password, or neither (percent-encode special characters)");
      if (url.search) fail(NO_QUERY);
    }),
  )
  .transform((url): Omit<SmtpSettings, "tls"> => {
    const secure = url.protocol === "smtps:";
    return {
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      // nodemailer's own defaults: 465 for TLS, 587 (submission) otherwise.
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
    };
  });

/** `allowPlaintextLocalhost` is `MAIL_ALLOW_PLAINTEXT_LOCALHOST`. */
export function parseSmtpUrl(text: string, allowPlaintextLocalhost = false): SmtpSettings {
  const parsed = smtpUrlSchema.safeParse(text);
  if (!parsed.success) throw new Error(`SMTP_URL ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return { ...parsed.data, tls: mailTls({ ...parsed.data, login: parsed.data.auth !== undefined }, allowPlaintextLocalhost) };
}

/**
 * A nodemailer transport that sends nothing, password included, before STARTTLS succeeded
 * (`requireTLS`), unless the settings allow plaintext to this machine.
 */
export function smtpTransport(s: SmtpSettings): Transporter {
  return nodemailer.createTransport({ host: s.host, port: s.port, secure: s.secure, auth: s.auth, requireTLS: s.tls === "starttls" });
}

/** The URL with its password hidden, and how it is protected, for log lines. */
export function describeSmtp(s: SmtpSettings): string {
  return `${s.secure ? "smtps" : "smtp"}://${s.auth ? `${s.auth.user}@` : ""}${s.host}:${s.port} (${s.tls})`;
}

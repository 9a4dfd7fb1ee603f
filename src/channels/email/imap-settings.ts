import { z } from "zod";
import { mailTls, NO_QUERY, type MailTls } from "./mail-tls.js";

/** Where the poller reads mail: everything `IMAP_URL` says, taken apart once at the edge. */
export interface ImapSettings {
  host: string;
  port: number;
  /** `imaps://`: TLS from the first byte. */
  secure: boolean;
  /** How the login is protected (mail-tls.ts): `imap://` requires STARTTLS unless plaintext to this machine is allowed. */
  tls: MailTls;
  user: string;
  password: string;
  /** The mailbox to poll, from the URL's path (`INBOX` when the path is empty). */
  mailbox: string;
}

const decode = (part: string) => decodeURIComponent(part);

/** `imap://user:password@host:port/INBOX` (DESIGN "Mail URLs"); the password percent-encoded. */
export const imapUrlSchema = z
  .string()
  .transform((text, ctx) => {
    try {
      return new URL(text);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not a URL (imap://user:password@host:port/INBOX)" });
      return z.NEVER;
    }
  })
  .pipe(
    z.custom<URL>().superRefine((url, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: "custom", message });
      if (url.protocol !== "imap:" && url.protocol !== "imaps:") fail("must start with imap:// or imaps://");
      if (!url.hostname) fail("names no host");
      if (!url.username) fail("names no user (imap://user:password@host/INBOX)");
      if (!url.password) fail("has no password (percent-encode special characters in it)");
      if (url.search) fail(NO_QUERY);
    }),
  )
  .transform(
    (url): Omit<ImapSettings, "tls"> => ({
      host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: url.port ? Number(url.port) : url.protocol === "imaps:" ? 993 : 143,
      secure: url.protocol === "imaps:",
      user: decode(url.username),
      password: decode(url.password),
      mailbox: decode(url.pathname.replace(/^\//, "")) || "INBOX",
    }),
  );

/** `allowPlaintextLocalhost` is `MAIL_ALLOW_PLAINTEXT_LOCALHOST`. */
export function parseImapUrl(text: string, allowPlaintextLocalhost = false): ImapSettings {
  const parsed = imapUrlSchema.safeParse(text);
  if (!parsed.success) throw new Error(`IMAP_URL ${parsed.error.issues.map((i) => i.message).join("; ")}`);
  return { ...parsed.data, tls: mailTls({ ...parsed.data, login: true }, allowPlaintextLocalhost) };
}

/** The URL with its password hidden, and how it is protected, for log lines. */
export function describeImap(s: ImapSettings): string {
  return `${s.secure ? "imaps" : "imap"}://${s.user}@${s.host}:${s.port}/${s.mailbox} (${s.tls})`;
}

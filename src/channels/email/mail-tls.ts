import { isIP } from "node:net";

/**
 * How a mail connection is protected. `tls`: TLS from the first byte (`imaps://`, `smtps://`).
 * `starttls`: the plain port, upgraded with STARTTLS before anything else, or no connection at all —
 * a server (or someone in between) that offers no STARTTLS never sees the password. `plaintext`:
 * allowed only to this machine, where nobody on the network can read or strip anything.
 */
export type MailTls = "tls" | "starttls" | "plaintext";

/** This machine by name or loopback address; a name that merely resolves to one does not count. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIP(h) === 4) return h.startsWith("127.");
  if (isIP(h) === 6) return h === "::1" || /^::ffff:127\./.test(h);
  return false;
}

/**
 * `imap://` and `smtp://` require STARTTLS, except to this machine when there is no password to
 * protect or `MAIL_ALLOW_PLAINTEXT_LOCALHOST=true` says so (a local dovecot or relay without TLS).
 */
export function mailTls(url: { secure: boolean; host: string; login: boolean }, allowPlaintextLocalhost: boolean): MailTls {
  if (url.secure) return "tls";
  return isLoopback(url.host) && (allowPlaintextLocalhost || !url.login) ? "plaintext" : "starttls";
}

/** Query options (nodemailer reads `?ignoreTLS=true`, `?secure=false`…) could turn TLS off behind the scheme's back. */
export const NO_QUERY = "takes no ?options: TLS follows the scheme (imaps:// and smtps:// from the first byte; imap:// and smtp:// require STARTTLS)";

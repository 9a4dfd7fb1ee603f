import { ImapFlow } from "imapflow";
import type { Logger } from "../../logger.js";
import type { ChannelPlugins, SidecarConfig, SidecarParts } from "../../sidecar.js";
import { odooMessageProcess } from "./hand-over.js";
import { describeImap, parseImapUrl, type ImapSettings } from "./imap-settings.js";
import { MailboxPoller } from "./mailbox-poller.js";
import { describeSmtp, parseSmtpUrl, smtpTransport, type SmtpSettings } from "./smtp-settings.js";
import { StaffDigest, type StaffMail } from "./staff-digest.js";

/**
 * An imapflow client for these settings; its own (very chatty) logging is off, the poller logs what
 * matters. `doSTARTTLS: true` makes a server that offers no STARTTLS a failed connection, before LOGIN.
 */
export function imapClient(s: ImapSettings): ImapFlow {
  return new ImapFlow({
    host: s.host,
    port: s.port,
    secure: s.tls === "tls",
    ...(s.tls === "starttls" ? { doSTARTTLS: true } : {}),
    auth: { user: s.user, pass: s.password },
    logger: false,
    // Start IDLE soon after a scan, so a new message is noticed within seconds, not at the next scan.
    autoIdleDelay: 2_000,
  });
}

/** Sends staff mail through `SMTP_URL`. */
export function smtpSender(smtp: SmtpSettings, from: string, to: string): (mail: StaffMail) => Promise<void> {
  const transport = smtpTransport(smtp);
  return async (mail) => {
    await transport.sendMail({ from, to, subject: mail.subject, text: mail.text });
  };
}

/**
 * The e-mail channel's sidecar side: the IMAP mailbox poller (when `IMAP_URL` is set) and the
 * staff digest (when `SMTP_URL` and `STAFF_EMAIL` are). Mail to the helpdesk alias needs neither:
 * Odoo's own gateway takes it. main.ts logs which pieces are off.
 */
export function emailChannel(config: SidecarConfig, core: Pick<SidecarParts, "odoo" | "modelStatus">, log: Logger): ChannelPlugins {
  const imap = config.IMAP_URL ? parseImapUrl(config.IMAP_URL, config.MAIL_ALLOW_PLAINTEXT_LOCALHOST) : undefined;
  const smtp = config.SMTP_URL ? parseSmtpUrl(config.SMTP_URL, config.MAIL_ALLOW_PLAINTEXT_LOCALHOST) : undefined;
  const poller =
    imap &&
    new MailboxPoller({
      openClient: () => imapClient(imap),
      messageProcess: odooMessageProcess(core.odoo, config.IMAP_TEAM_ID ? { team_id: config.IMAP_TEAM_ID } : {}),
      mailbox: imap.mailbox,
      pollMs: config.IMAP_POLL_MS,
      describe: describeImap(imap),
      log,
    });
  const digest =
    smtp && config.STAFF_EMAIL
      ? new StaffDigest({
          send: smtpSender(smtp, config.SMTP_FROM ?? config.STAFF_EMAIL, config.STAFF_EMAIL),
          odooUrl: config.ODOO_PUBLIC_URL ?? config.ODOO_URL,
          intervalMs: config.STAFF_DIGEST_MS,
          log,
          modelNotice: () => core.modelStatus.notice(),
        })
      : undefined;
  if (smtp && digest) log.info({ smtp: describeSmtp(smtp) }, "staff e-mail on");
  return {
    escalations: digest,
    start: () => {
      poller?.start();
      digest?.start();
    },
    stop: async () => {
      await poller?.stop();
      await digest?.stop();
    },
  };
}

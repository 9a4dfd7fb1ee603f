import { smtpTransport, type SmtpSettings } from "../email/smtp-settings.js";
import type { OdooClient } from "../../odoo/client.js";
import { textToHtml } from "../../pipeline/text.js";
import type { Language, Templates } from "../../templates/renderer.js";

export interface CodeMail {
  partnerId: number;
  email: string;
  code: string;
  minutes: number;
  lang: Language;
}

/** Sends the one-time linking code to the address already on the partner, and only there. */
export interface CodeMailer {
  send(mail: CodeMail): Promise<void>;
}

function render(templates: Templates, m: CodeMail) {
  return {
    subject: templates.render(m.lang, "line/code_email_subject", {}),
    text: templates.render(m.lang, "line/code_email", { code: m.code, minutes: m.minutes }),
  };
}

/** Through the firm's SMTP server (`SMTP_URL`): the code never lands in Odoo's chatter. */
export function smtpCodeMailer(smtp: SmtpSettings, from: string, templates: Templates): CodeMailer {
  const transport = smtpTransport(smtp);
  return {
    async send(m) {
      // An auto-responder that answers it is recognised as answering a machine (DESIGN "No mail loops").
      await transport.sendMail({ from, to: m.email, headers: { "Auto-Submitted": "auto-replied" }, ...render(templates, m) });
    },
  };
}

/**
 * Without SMTP, through Odoo's own mail: a message on the partner addressed to the partner, which Odoo
 * e-mails. Staff can then read the code in that partner's chatter; docs/line.md says so.
 */
export function odooCodeMailer(odoo: OdooClient, templates: Templates): CodeMailer {
  return {
    async send(m) {
      const { subject, text } = render(templates, m);
      await odoo.executeKw("res.partner", "message_post", [[m.partnerId]], {
        subject,
        body: textToHtml(text),
        body_is_html: true,
        partner_ids: [m.partnerId],
        message_type: "comment",
        subtype_xmlid: "mail.mt_comment",
      });
    },
  };
}

import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { emailChannel } from "../src/channels/email/index.js";
import { createLogger } from "../src/logger.js";
import type { ChannelPlugins } from "../src/sidecar.js";
import { dovecotPerFile, eventually, rawMail } from "./helpers/dovecot.js";
import { chatter, startHarness, type Harness } from "./helpers/harness.js";

const RECEIVER = "mx.mingli-law.example.tw";
const verdict = (result: "pass" | "fail") =>
  `Authentication-Results: ${RECEIVER}; dkim=${result} header.d=example.tw; spf=${result} smtp.mailfrom=example.tw; dmarc=${result} (p=REJECT) header.from=example.tw`;

describe("e-mail from the IMAP mailbox, end to end: sender authentication (dovecot + sidecar + Odoo and OpenAI stand-ins)", function () {
  this.timeout(20_000);
  const mail = dovecotPerFile();
  let h: Harness;
  let channel: ChannelPlugins;

  beforeEach(async () => {
    h = await startHarness({ IMAP_URL: mail.server().imapUrl(mail.folder()), IMAP_POLL_MS: "1000", MAIL_ALLOW_PLAINTEXT_LOCALHOST: "true", SENDER_AUTH_POLICY: "hold_on_fail" });
    // The mailbox's tickets join a team that sends a passing answer at once: only the sender's verdict can hold it back.
    const config = { ...h.config, IMAP_TEAM_ID: h.firm.teams.clientService };
    channel = emailChannel(config, h.core, createLogger("info", new Writable({ write: (_c, _e, done) => done() })));
    await channel.start?.();
  });

  afterEach(async () => {
    await channel?.stop?.();
    await h?.close();
  });

  /** The client's mail arrives in the mailbox; the poller hands it to Odoo, whose automation calls /ask. */
  async function mailArrives(messageId: string, auth: "pass" | "fail") {
    const { zhiming } = h.firm.clients;
    await mail.server().deliver(
      rawMail({ from: `${zhiming.name} <${zhiming.email}>`, subject: "案件進度", body: "請問我的案子目前進度如何？", messageId, headers: [verdict(auth)] }),
      mail.folder(),
    );
    let ticketId = 0;
    await eventually(() => {
      const [message] = h.odoo.store.searchRead("mail.message", [["message_id", "=", messageId]], ["res_id"]);
      ticketId = message?.res_id as number;
      assert.ok(ticketId, "the poller handed the mail to Odoo");
      assert.ok(["sent", "draft", "escalated", "failed"].includes(String(h.odoo.store.row("helpdesk.ticket", ticketId)!.lexreply_state)), "the answer is done");
    }, 10_000);
    const ticket = h.odoo.store.row("helpdesk.ticket", ticketId)!;
    /** What Odoo mails the client: the mail queued for the ticket's messages, addressed to them. */
    const messageIds = chatter(h, ticketId).map((m) => m.id);
    const toClient = h.odoo.store
      .searchRead("mail.mail", [["mail_message_id", "in", messageIds]], ["body_html", "recipient_ids"])
      .map((m) => {
        assert.deepEqual(m.recipient_ids, [zhiming.partnerId], "mailed to the client only");
        return String(m.body_html);
      });
    return { ticket, toClient };
  }

  const caseData = () => {
    const { cases, clients } = h.firm;
    return Object.values(cases)
      .filter((c) => c.partnerId === clients.zhiming.partnerId)
      .map((c) => c.number);
  };

  it("holds the answer of a DMARC-failed message for review: the client gets the holding reply, no case data", async () => {
    const { ticket, toClient } = await mailArrives("<forged-1@example.tw>", "fail");
    assert.equal(ticket.lexreply_sender_auth, "fail", "the verdict is recorded on the ticket");
    assert.equal(ticket.lexreply_state, "escalated");
    assert.equal(toClient.length, 1, "one holding reply");
    for (const number of caseData()) assert.ok(!toClient[0]!.includes(number), `the holding reply does not name ${number}`);
    assert.match(String(ticket.lexreply_draft), new RegExp(caseData()[0]!), "the model's answer is held as the draft for a person");
  });

  it("answers the same question from a DMARC-passing message (the control)", async () => {
    const { ticket, toClient } = await mailArrives("<genuine-1@example.tw>", "pass");
    assert.equal(ticket.lexreply_sender_auth, "pass");
    assert.equal(ticket.team_id, h.firm.teams.clientService, "the ticket joined IMAP_TEAM_ID's team");
    assert.equal(ticket.lexreply_state, "sent");
    assert.ok(caseData().some((n) => toClient.at(-1)!.includes(n)), "the answer states the client's matter");
  });
});

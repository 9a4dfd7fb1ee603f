import type { Logger } from "../../logger.js";
import { OdooUnavailableError } from "../../odoo/errors.js";
import type { ChannelPlugins, SidecarConfig, SidecarParts } from "../../sidecar.js";
import { parseSmtpUrl } from "../email/smtp-settings.js";
import { ApprovedDeliveries } from "./approvals.js";
import { odooCodeMailer, smtpCodeMailer } from "./code-mailer.js";
import { startCheckpointer } from "./checkpointer.js";
import { lineDbPath, openLineDb } from "./db.js";
import { deliverRoutes } from "./deliver-route.js";
import { LineSender, lineDelivery } from "./delivery.js";
import { LineIntake } from "./intake.js";
import { lineApi } from "./line-api.js";
import { Linking, linkCodeKey, type Said } from "./linking.js";
import { lineMetrics } from "./metrics.js";
import { Outbox } from "./outbox.js";
import { RateLimit } from "./rate-limit.js";
import { ReplyTokens } from "./reply-tokens.js";
import { SentAnswers } from "./sent-answers.js";
import { SentBatches } from "./sent-batches.js";
import { webhookRoutes } from "./webhook-route.js";
import { OutboxWorker } from "./worker.js";

/**
 * The LINE channel: `/line/webhook` in, the durable outbox to Odoo, linking of unknown users,
 * delivery of answers by reply or push, and `/line/deliver` for approved drafts.
 */
export function lineChannel(config: SidecarConfig, core: SidecarParts, log: Logger): ChannelPlugins {
  const channelSecret = config.LINE_CHANNEL_SECRET;
  const channelAccessToken = config.LINE_CHANNEL_ACCESS_TOKEN;
  if (!channelSecret || !channelAccessToken) throw new Error("the LINE channel needs LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN");
  const { odoo, templates } = core;
  const db = openLineDb(config.DATA_DIR, { autoCheckpoint: false, log });
  let checkpointer: ReturnType<typeof startCheckpointer> | undefined;
  const metrics = lineMetrics();
  const api = lineApi({ channelAccessToken, apiBaseUrl: config.LINE_API_BASE_URL, dataApiBaseUrl: config.LINE_DATA_API_BASE_URL });
  const sent = new SentBatches(db);
  const sender = new LineSender(api, sent, metrics);
  const tokens = new ReplyTokens(db);
  const outbox = new Outbox(db, Date.now, config.LINE_OUTBOX_KEEP_DAYS);
  const answers = new SentAnswers(db);
  const mailer = config.SMTP_URL
    ? smtpCodeMailer(parseSmtpUrl(config.SMTP_URL, config.MAIL_ALLOW_PLAINTEXT_LOCALHOST), config.SMTP_FROM ?? "LexReply <no-reply@localhost>", templates)
    : odooCodeMailer(odoo, templates);
  const tell = async (userId: string, { lang, notice }: Said, seed: string) => {
    try {
      await sender.send(userId, templates.render(lang, `line/${notice.template}`, notice.vars), { seed });
    } catch (err) {
      log.warn({ err, notice: notice.template }, "LINE linking notice to the other account not sent");
    }
  };
  const linking = new Linking({ db, odoo, mailer, log, key: linkCodeKey(config), tell });
  const intake = new LineIntake({
    odoo,
    api,
    sender,
    tokens,
    linking,
    rateLimit: new RateLimit(config.LINE_RATE_LIMIT_PER_HOUR),
    templates,
    log,
    replyTokenTtlMs: config.LINE_REPLY_TOKEN_TTL_MS,
  });
  const worker = new OutboxWorker({
    outbox,
    handle: (entry) => intake.handle(entry),
    isTransient: (err) => err instanceof OdooUnavailableError,
    concurrency: config.LINE_INTAKE_CONCURRENCY,
    log,
    onPoll: (pending) => metrics.outboxPending.set(pending),
    prune: () => {
      const pruned = outbox.prune();
      if (pruned > 0) log.info({ events: pruned, keepDays: config.LINE_OUTBOX_KEEP_DAYS }, "LINE outbox: finished events pruned");
      tokens.prune();
      sent.prune();
      answers.prune();
      linking.prune();
    },
  });
  log.info({ dataDir: config.DATA_DIR, linkCodesBy: config.SMTP_URL ? "smtp" : "odoo mail" }, "LINE channel on: POST /line/webhook, POST /line/deliver");
  return {
    line: lineDelivery({ sender, tokens, answers, db: config.ODOO_DB, ttlMs: config.LINE_REPLY_TOKEN_TTL_MS }),
    push: (to, text, seed) => sender.send(to, text, { seed }),
    routes: [
      webhookRoutes({ channelSecret, outbox, metrics, accepted: () => worker.kick() }),
      deliverRoutes({ secret: config.ASK_SECRET, db: config.ODOO_DB, odoo, sender, approvals: new ApprovedDeliveries(db), log }),
    ],
    start: () => {
      checkpointer = startCheckpointer(lineDbPath(config.DATA_DIR));
      worker.start();
    },
    stop: async () => {
      await worker.stop();
      await checkpointer?.stop();
      db.close();
    },
  };
}

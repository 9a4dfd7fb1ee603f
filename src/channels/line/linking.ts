import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import type { Logger } from "../../logger.js";
import type { OdooClient } from "../../odoo/client.js";
import type { Language } from "../../templates/renderer.js";
import type { CodeMailer } from "./code-mailer.js";
import type { LineDb } from "./db.js";
import { clientPartnersByEmail, linkPartner } from "./odoo-records.js";

/** The rules: a 6-digit code, good for 10 minutes, at most 5 wrong tries. */
export const CODE_TTL_MS = 10 * 60_000;
export const MAX_WRONG_TRIES = 5;
/** How long linking stays paused after the fifth wrong code. */
export const LOCK_MS = 60 * 60_000;
/** A second code for the same LINE user is not mailed sooner than this, so nobody can flood a client's inbox. */
const RESEND_MS = 60_000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CODE = /^\d{6}$/;
const HAN = /\p{Script=Han}/u;

export type LinkNotice =
  | { template: "welcome"; vars: { awaiting_code: boolean } }
  | { template: "code_sent"; vars: { email: string; minutes: number } }
  | { template: "code_wrong"; vars: { tries_left: number } }
  | { template: "code_expired" | "linked"; vars: Record<string, never> }
  | { template: "locked"; vars: { minutes: number } };

interface LinkRow {
  line_user_id: string;
  lang: Language;
  partner_id: number | null;
  code_hash: string | null;
  code_expires_at: number | null;
  code_sent_at: number | null;
  wrong_tries: number;
  locked_until: number | null;
}

export interface LinkingDeps {
  db: LineDb;
  odoo: OdooClient;
  mailer: CodeMailer;
  log: Logger;
  now?: () => number;
}

const hashCode = (lineUserId: string, code: string) => createHash("sha256").update(`${lineUserId}:${code}`).digest();
const minutesUntil = (at: number, now: number) => Math.max(1, Math.ceil((at - now) / 60_000));

/**
 * Proves that a LINE user is a client before anything about a matter is said: they type the e-mail
 * address the firm has on file, get a one-time code there, and type it back. Every answer reads the
 * same whether the address is known or not, so the flow cannot be used to probe who is a client.
 */
export class Linking {
  private readonly now: () => number;
  private readonly getStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly pruneStmt;

  constructor(private readonly deps: LinkingDeps) {
    this.now = deps.now ?? Date.now;
    const { db } = deps;
    this.getStmt = db.prepare(`SELECT * FROM link_requests WHERE line_user_id = ?`);
    this.insertStmt = db.prepare(`INSERT INTO link_requests (line_user_id, lang) VALUES (?, ?) ON CONFLICT (line_user_id) DO NOTHING`);
    this.updateStmt = db.prepare(
      `UPDATE link_requests SET lang = @lang, partner_id = @partner_id, code_hash = @code_hash, code_expires_at = @code_expires_at,
         code_sent_at = @code_sent_at, wrong_tries = @wrong_tries, locked_until = @locked_until WHERE line_user_id = @line_user_id`,
    );
    this.deleteStmt = db.prepare(`DELETE FROM link_requests WHERE line_user_id = ?`);
    this.pruneStmt = db.prepare(
      `DELETE FROM link_requests WHERE COALESCE(code_expires_at, 0) < @before AND COALESCE(code_sent_at, 0) < @before AND COALESCE(locked_until, 0) < @now`,
    );
  }

  /** Forgets users who stopped linking a day ago (no live code, no lock): strangers do not pile up. */
  prune(): void {
    const now = this.now();
    this.pruneStmt.run({ before: now - 24 * 3_600_000, now });
  }

  /** The language this user is spoken to in: fixed at first contact, Chinese as soon as they write it. */
  private async request(lineUserId: string, firstLang: () => Promise<Language>, text: string): Promise<LinkRow> {
    if (!this.getStmt.get(lineUserId)) this.insertStmt.run(lineUserId, HAN.test(text) ? "zh-TW" : await firstLang());
    const row = this.getStmt.get(lineUserId) as LinkRow;
    return HAN.test(text) ? { ...row, lang: "zh-TW" } : row;
  }

  private save(row: LinkRow): void {
    this.updateStmt.run(row);
  }

  /** A follow event or a first message: the welcome, which asks for the e-mail address. */
  async welcome(lineUserId: string, firstLang: () => Promise<Language>): Promise<{ lang: Language; notice: LinkNotice }> {
    const row = await this.request(lineUserId, firstLang, "");
    return { lang: row.lang, notice: { template: "welcome", vars: { awaiting_code: this.awaitingCode(row) } } };
  }

  /** One text from a LINE user nobody is linked to; answers with the notice to send back. */
  async handleText(lineUserId: string, text: string, firstLang: () => Promise<Language>): Promise<{ lang: Language; notice: LinkNotice }> {
    const row = await this.request(lineUserId, firstLang, text);
    const notice = await this.step(row, text.normalize("NFKC").trim());
    return { lang: row.lang, notice };
  }

  private awaitingCode(row: LinkRow): boolean {
    return row.code_expires_at !== null && row.code_expires_at > this.now();
  }

  private async step(row: LinkRow, text: string): Promise<LinkNotice> {
    const now = this.now();
    if (row.locked_until !== null && row.locked_until > now) return { template: "locked", vars: { minutes: minutesUntil(row.locked_until, now) } };
    // A lock that has run out starts the count afresh; every branch below saves the row.
    const current = row.locked_until !== null ? { ...row, locked_until: null, wrong_tries: 0 } : row;
    if (EMAIL.test(text)) return this.sendCode(current, text.toLowerCase(), now);
    if (CODE.test(text) && current.code_expires_at !== null) return this.checkCode(current, text, now);
    this.save(current);
    return { template: "welcome", vars: { awaiting_code: this.awaitingCode(current) } };
  }

  private async sendCode(row: LinkRow, email: string, now: number): Promise<LinkNotice> {
    const notice: LinkNotice = { template: "code_sent", vars: { email, minutes: CODE_TTL_MS / 60_000 } };
    if (row.code_sent_at !== null && now - row.code_sent_at < RESEND_MS) return notice;
    const partners = await clientPartnersByEmail(this.deps.odoo, email);
    const partner = partners.length === 1 ? partners[0]! : null;
    let codeHash: string | null = null;
    if (partner) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      await this.deps.mailer.send({ partnerId: partner.id, email: partner.email, code, minutes: CODE_TTL_MS / 60_000, lang: row.lang });
      codeHash = hashCode(row.line_user_id, code).toString("hex");
    } else {
      this.deps.log.info({ lineUserId: row.line_user_id, matches: partners.length }, "LINE linking: the address matches no single client; no code sent");
    }
    // An unknown address still gets a pending "code", which no input can match: the replies stay identical.
    this.save({ ...row, partner_id: partner?.id ?? null, code_hash: codeHash, code_expires_at: now + CODE_TTL_MS, code_sent_at: now });
    return notice;
  }

  private async checkCode(row: LinkRow, code: string, now: number): Promise<LinkNotice> {
    if (row.code_expires_at! <= now) {
      this.save({ ...row, partner_id: null, code_hash: null, code_expires_at: null, code_sent_at: null });
      return { template: "code_expired", vars: {} };
    }
    const right = row.partner_id !== null && row.code_hash !== null && timingSafeEqual(Buffer.from(row.code_hash, "hex"), hashCode(row.line_user_id, code));
    if (right) {
      await linkPartner(this.deps.odoo, row.partner_id!, row.line_user_id, now);
      this.deleteStmt.run(row.line_user_id);
      this.deps.log.info({ lineUserId: row.line_user_id, partnerId: row.partner_id }, "LINE account linked");
      return { template: "linked", vars: {} };
    }
    const wrong = row.wrong_tries + 1;
    if (wrong >= MAX_WRONG_TRIES) {
      this.save({ ...row, wrong_tries: wrong, locked_until: now + LOCK_MS, partner_id: null, code_hash: null, code_expires_at: null, code_sent_at: null });
      this.deps.log.warn({ lineUserId: row.line_user_id }, "LINE linking locked after too many wrong codes");
      return { template: "locked", vars: { minutes: LOCK_MS / 60_000 } };
    }
    this.save({ ...row, wrong_tries: wrong });
    return { template: "code_wrong", vars: { tries_left: MAX_WRONG_TRIES - wrong } };
  }
}

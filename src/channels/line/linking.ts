import { createHmac, hkdfSync, randomInt, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Logger } from "../../logger.js";
import type { OdooClient } from "../../odoo/client.js";
import { detectLanguage } from "../../pipeline/language.js";
import type { Language } from "../../templates/renderer.js";
import type { CodeMailer } from "./code-mailer.js";
import type { LineDb } from "./db.js";
import { clientPartnersByEmail, findLinkedPartner, linkPartner } from "./odoo-records.js";
import { RateLimit } from "./rate-limit.js";

/** The rules: a 6-digit code, good for 10 minutes, at most 5 wrong tries. */
export const CODE_TTL_MS = 10 * 60_000;
export const MAX_WRONG_TRIES = 5;
/** How long linking stays paused after the fifth wrong code. */
export const LOCK_MS = 60 * 60_000;
/** A second code for the same LINE user is not mailed sooner than this, so nobody can flood a client's inbox. */
const RESEND_MS = 60_000;
/** Code mails an hour, per LINE user and per client: a stranger who knows a client's address cannot fill their inbox. */
export const CODE_MAILS_PER_HOUR = 3;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CODE = /^\d{6}$/;
const HAN = /\p{Script=Han}/u;
/** What the account already linked types to let the link move to a new account, or to keep it. */
const CONFIRM_MOVE = new Set(["同意轉移", "confirm move"]);
const REFUSE_MOVE = new Set(["拒絕轉移", "refuse move"]);

/**
 * The key that codes are stored under. It never lives in DATA_DIR: it comes from `LINK_CODE_KEY`
 * when set, else from `LINE_CHANNEL_SECRET` (present whenever the channel runs, and not stored in
 * Odoo, unlike ASK_SECRET). HKDF with a label keeps the derived key apart from every other use of
 * that secret. docs/line.md says why and what rotating it does (pending codes stop matching).
 */
export const LINK_CODE_KEY_LABEL = "lexreply line link-code hmac v1";

export function linkCodeKey(settings: { LINK_CODE_KEY?: string | undefined; LINE_CHANNEL_SECRET?: string | undefined }): Buffer {
  const secret = settings.LINK_CODE_KEY ?? settings.LINE_CHANNEL_SECRET;
  if (!secret) throw new Error("linking codes need LINK_CODE_KEY or LINE_CHANNEL_SECRET to key their HMAC");
  return Buffer.from(hkdfSync("sha256", secret, "", LINK_CODE_KEY_LABEL, 32));
}

/** What the data folder holds for a code: without the key, no one can try the million codes against it. */
export function codeMac(key: Buffer, lineUserId: string, partnerId: number, code: string): Buffer {
  return createHmac("sha256", key).update(`${lineUserId}\n${partnerId}\n${code}`).digest();
}

export type LinkNotice =
  | { template: "welcome"; vars: { awaiting_code: boolean } }
  | { template: "code_sent"; vars: { email: string; minutes: number } }
  | { template: "code_wrong"; vars: { tries_left: number } }
  | { template: "code_expired" | "linked" | "move_pending" | "move_refused" | "move_kept" | "move_done"; vars: Record<string, never> }
  | { template: "locked"; vars: { minutes: number } }
  | { template: "move_asked" | "move_confirm"; vars: { minutes: number } };

export interface Said {
  lang: Language;
  notice: LinkNotice;
}

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

/** A client proved the code on a new account while another account is linked: waiting for that account's word. */
interface MoveRow {
  partner_id: number;
  new_line_user_id: string;
  new_lang: Language;
  current_line_user_id: string;
  expires_at: number;
}

export interface LinkingDeps {
  db: LineDb;
  odoo: OdooClient;
  mailer: CodeMailer;
  log: Logger;
  /** From `linkCodeKey`: never stored beside the codes. */
  key: Buffer;
  /** Pushes a notice to another LINE user than the one who wrote (the account a link would move from, or to); logs a failure, never throws. */
  tell: (lineUserId: string, said: Said, seed: string) => Promise<void>;
  now?: () => number;
}

const minutesUntil = (at: number, now: number) => Math.max(1, Math.ceil((at - now) / 60_000));

const partnerLineSchema = z.array(z.object({ id: z.number(), lexreply_line_user_id: z.string().or(z.literal(false)), lang: z.string().or(z.literal(false)) }));

/** The LINE account a partner is linked to now, if any, and the partner's language. */
async function currentLink(odoo: OdooClient, partnerId: number): Promise<{ lineUserId: string | null; lang: Language }> {
  const rows = partnerLineSchema.parse(await odoo.executeKw("res.partner", "search_read", [[["id", "=", partnerId]]], { fields: ["lexreply_line_user_id", "lang"] }));
  const row = rows[0];
  return { lineUserId: row?.lexreply_line_user_id || null, lang: detectLanguage("", row?.lang || undefined) };
}

/**
 * Proves that a LINE user is a client before anything about a matter is said: they type the e-mail
 * address the firm has on file, get a one-time code there, and type it back. Every answer reads the
 * same whether the address is known or not, so the flow cannot be used to probe who is a client.
 * A client whose contact already has another LINE account moves the link only once that account
 * agrees: nobody who merely reads the client's mail can take their LINE conversation over unseen.
 */
export class Linking {
  private readonly now: () => number;
  private readonly mailsPerUser: RateLimit;
  private readonly mailsPerPartner: RateLimit;
  private readonly getStmt;
  private readonly insertStmt;
  private readonly updateStmt;
  private readonly deleteStmt;
  private readonly pruneStmt;
  private readonly putMoveStmt;
  private readonly moveByCurrentStmt;
  private readonly moveByNewStmt;
  private readonly dropMoveStmt;
  private readonly pruneMovesStmt;

  constructor(private readonly deps: LinkingDeps) {
    this.now = deps.now ?? Date.now;
    this.mailsPerUser = new RateLimit(CODE_MAILS_PER_HOUR, this.now);
    this.mailsPerPartner = new RateLimit(CODE_MAILS_PER_HOUR, this.now);
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
    // One pending move per client: a newer proof replaces an older one.
    this.putMoveStmt = db.prepare(
      `INSERT INTO link_moves (partner_id, new_line_user_id, new_lang, current_line_user_id, expires_at)
       VALUES (@partner_id, @new_line_user_id, @new_lang, @current_line_user_id, @expires_at)
       ON CONFLICT (partner_id) DO UPDATE SET new_line_user_id = excluded.new_line_user_id, new_lang = excluded.new_lang,
         current_line_user_id = excluded.current_line_user_id, expires_at = excluded.expires_at`,
    );
    this.moveByCurrentStmt = db.prepare(`SELECT * FROM link_moves WHERE current_line_user_id = ? AND expires_at > ?`);
    this.moveByNewStmt = db.prepare(`SELECT * FROM link_moves WHERE new_line_user_id = ? AND expires_at > ?`);
    this.dropMoveStmt = db.prepare(`DELETE FROM link_moves WHERE partner_id = ?`);
    this.pruneMovesStmt = db.prepare(`DELETE FROM link_moves WHERE expires_at <= ?`);
  }

  /** Forgets users who stopped linking a day ago (no live code, no lock), and moves nobody answered: strangers do not pile up. */
  prune(): void {
    const now = this.now();
    this.pruneStmt.run({ before: now - 24 * 3_600_000, now });
    this.pruneMovesStmt.run(now);
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

  private waitingToMove(lineUserId: string): MoveRow | undefined {
    return this.moveByNewStmt.get(lineUserId, this.now()) as MoveRow | undefined;
  }

  /** A follow event or a first message: the welcome, which asks for the e-mail address. */
  async welcome(lineUserId: string, firstLang: () => Promise<Language>): Promise<Said> {
    const move = this.waitingToMove(lineUserId);
    if (move) return { lang: move.new_lang, notice: { template: "move_pending", vars: {} } };
    const row = await this.request(lineUserId, firstLang, "");
    return { lang: row.lang, notice: { template: "welcome", vars: { awaiting_code: this.awaitingCode(row) } } };
  }

  /** One text from a LINE user nobody is linked to; answers with the notice to send back. */
  async handleText(lineUserId: string, text: string, firstLang: () => Promise<Language>): Promise<Said> {
    const move = this.waitingToMove(lineUserId);
    if (move) return { lang: HAN.test(text) ? "zh-TW" : move.new_lang, notice: { template: "move_pending", vars: {} } };
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
    // Over either limit the answer reads the same as for an unknown address, so it reveals nothing.
    const userMayMail = this.mailsPerUser.allow(row.line_user_id);
    const partners = userMayMail ? await clientPartnersByEmail(this.deps.odoo, email) : [];
    const partner = partners.length === 1 ? partners[0]! : null;
    let codeHash: string | null = null;
    if (!userMayMail) {
      this.deps.log.warn({ lineUserId: row.line_user_id }, `LINE linking: over ${CODE_MAILS_PER_HOUR} code mails this hour for this LINE user; none sent`);
    } else if (partner && !this.mailsPerPartner.allow(String(partner.id))) {
      this.deps.log.warn({ lineUserId: row.line_user_id, partnerId: partner.id }, `LINE linking: over ${CODE_MAILS_PER_HOUR} code mails this hour to this client; none sent`);
    } else if (partner) {
      const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
      await this.deps.mailer.send({ partnerId: partner.id, email: partner.email, code, minutes: CODE_TTL_MS / 60_000, lang: row.lang });
      codeHash = codeMac(this.deps.key, row.line_user_id, partner.id, code).toString("hex");
    } else {
      this.deps.log.info({ lineUserId: row.line_user_id, matches: partners.length }, "LINE linking: the address matches no single client; no code sent");
    }
    // Without a code mailed, a pending "code" stays that no input can match: the replies stay identical.
    this.save({ ...row, partner_id: codeHash ? partner!.id : null, code_hash: codeHash, code_expires_at: now + CODE_TTL_MS, code_sent_at: now });
    return notice;
  }

  private async checkCode(row: LinkRow, code: string, now: number): Promise<LinkNotice> {
    if (row.code_expires_at! <= now) {
      this.save({ ...row, partner_id: null, code_hash: null, code_expires_at: null, code_sent_at: null });
      return { template: "code_expired", vars: {} };
    }
    const right =
      row.partner_id !== null &&
      row.code_hash !== null &&
      timingSafeEqual(Buffer.from(row.code_hash, "hex"), codeMac(this.deps.key, row.line_user_id, row.partner_id, code));
    if (right) return this.proven(row, now);
    const wrong = row.wrong_tries + 1;
    if (wrong >= MAX_WRONG_TRIES) {
      this.save({ ...row, wrong_tries: wrong, locked_until: now + LOCK_MS, partner_id: null, code_hash: null, code_expires_at: null, code_sent_at: null });
      this.deps.log.warn({ lineUserId: row.line_user_id }, "LINE linking locked after too many wrong codes");
      return { template: "locked", vars: { minutes: LOCK_MS / 60_000 } };
    }
    this.save({ ...row, wrong_tries: wrong });
    return { template: "code_wrong", vars: { tries_left: MAX_WRONG_TRIES - wrong } };
  }

  /** The right code: linked at once, unless the client already has another LINE account, which is asked first. */
  private async proven(row: LinkRow, now: number): Promise<LinkNotice> {
    const partnerId = row.partner_id!;
    const current = await currentLink(this.deps.odoo, partnerId);
    if (!current.lineUserId) {
      await linkPartner(this.deps.odoo, partnerId, row.line_user_id, now);
      this.deleteStmt.run(row.line_user_id);
      this.deps.log.info({ lineUserId: row.line_user_id, partnerId }, "LINE account linked");
      return { template: "linked", vars: {} };
    }
    const move: MoveRow = { partner_id: partnerId, new_line_user_id: row.line_user_id, new_lang: row.lang, current_line_user_id: current.lineUserId, expires_at: now + CODE_TTL_MS };
    this.putMoveStmt.run(move);
    this.deleteStmt.run(row.line_user_id);
    this.deps.log.warn({ lineUserId: row.line_user_id, partnerId }, "LINE linking: the client already has a LINE account; it was asked to confirm the move");
    const minutes = CODE_TTL_MS / 60_000;
    await this.deps.tell(current.lineUserId, { lang: current.lang, notice: { template: "move_confirm", vars: { minutes } } }, `move:${partnerId}:${now}`);
    return { template: "move_asked", vars: { minutes } };
  }

  /**
   * A linked user's text, looked at before anything else: the confirm or refuse word for a pending
   * move away from this account. Null when it is neither (or nothing is pending): an ordinary message.
   */
  async answerMove(lineUserId: string, text: string): Promise<Said | null> {
    const word = text.normalize("NFKC").trim().toLowerCase();
    const confirm = CONFIRM_MOVE.has(word);
    if (!confirm && !REFUSE_MOVE.has(word)) return null;
    const move = this.moveByCurrentStmt.get(lineUserId, this.now()) as MoveRow | undefined;
    if (!move) return null;
    const lang: Language = HAN.test(word) ? "zh-TW" : "en";
    const seed = `move:${move.partner_id}:${move.expires_at}`;
    const fields = { partnerId: move.partner_id, from: lineUserId, to: move.new_line_user_id };
    if (!confirm) {
      this.dropMoveStmt.run(move.partner_id);
      this.deps.log.warn(fields, "LINE linking: the client's current account refused the move; nothing changed");
      await this.deps.tell(move.new_line_user_id, { lang: move.new_lang, notice: { template: "move_refused", vars: {} } }, `${seed}:refused`);
      return { lang, notice: { template: "move_kept", vars: {} } };
    }
    // Still this client's account, and the new one still free: anything else changed meanwhile keeps the link as it is.
    const [current, taken] = await Promise.all([currentLink(this.deps.odoo, move.partner_id), findLinkedPartner(this.deps.odoo, move.new_line_user_id)]);
    if (current.lineUserId !== lineUserId || taken) {
      this.dropMoveStmt.run(move.partner_id);
      this.deps.log.warn(fields, "LINE linking: the move was confirmed but the link changed meanwhile; nothing moved");
      return null;
    }
    await linkPartner(this.deps.odoo, move.partner_id, move.new_line_user_id, this.now());
    this.dropMoveStmt.run(move.partner_id);
    this.deps.log.info(fields, "LINE link moved to a new account, confirmed from the previous one");
    await this.deps.tell(move.new_line_user_id, { lang: move.new_lang, notice: { template: "linked", vars: {} } }, `${seed}:linked`);
    return { lang, notice: { template: "move_done", vars: {} } };
  }
}

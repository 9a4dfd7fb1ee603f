import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { OdooClient } from "../../src/odoo/client.js";
import { buildSidecar, type ChannelPlugins, type SidecarConfig, type SidecarParts } from "../../src/sidecar.js";
import { ADMIN_PASSWORD, seedSampleFirm, signedAskCaller, startOdooStandin, type OdooStandin, type SampleFirm } from "../../src/standin/odoo/index.js";
import { FakeOpenAI } from "../fakes/openai-server.js";

export const ASK_SECRET = "test-ask-secret-0123456789";

export interface Harness {
  odoo: OdooStandin;
  firm: SampleFirm;
  model: FakeOpenAI;
  config: SidecarConfig;
  core: SidecarParts;
  app: ReturnType<typeof buildSidecar>["app"];
  url: string;
  /** Odoo as its administrator, for setting the scene over the same wire the sidecar uses. */
  admin: OdooClient;
  /** Every log line the sidecar wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The settings that point a sidecar at the stand-ins (Odoo as its integration user, the model, a data folder). */
export function standinEnv(odoo: OdooStandin, model: FakeOpenAI, dataDir: string): Record<string, string> {
  return {
    ODOO_URL: odoo.url,
    ODOO_DB: odoo.db,
    ODOO_API_KEY: odoo.botPassword,
    ASK_SECRET,
    LLM_MODE: "openai",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: model.baseURL,
    DATA_DIR: dataDir,
  };
}

/** The real sidecar on a free port, wired to a stand-in Odoo (sample firm) and a stand-in OpenAI. */
export async function startHarness(env: Record<string, string> = {}, channels?: (core: SidecarParts) => ChannelPlugins): Promise<Harness> {
  let firm!: SampleFirm;
  const odoo = await startOdooStandin({ seed: (store) => void (firm = seedSampleFirm(store)) });
  const model = await new FakeOpenAI().start();
  const dataDir = mkdtempSync(join(tmpdir(), "lexreply-test-"));
  const config = loadConfig({ ...standinEnv(odoo, model, dataDir), LLM_TIMEOUT_MS: "3000", ...env }) as SidecarConfig;
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const log = createLogger("info", sink);
  const { app, core } = buildSidecar(config, log, channels);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  odoo.onClientMessage(signedAskCaller(url, ASK_SECRET));
  const admin = new OdooClient({ url: odoo.url, db: odoo.db, login: "admin", apiKey: ADMIN_PASSWORD, timeoutMs: 5000 });
  return {
    odoo, firm, model, config, core, app, url, admin, logs,
    async close() {
      await core.jobs.drain();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await model.close();
      await odoo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ChatterMessage {
  id: number;
  body: string;
  message_type: string;
  subtype: "comment" | "note" | "other";
  author_id: number | false;
}

/** What the ticket's chatter holds, as the paralegal would read it (newest last). */
export function chatter(h: Harness, ticketId: number): ChatterMessage[] {
  const comment = h.odoo.store.ref("mail.mt_comment");
  const note = h.odoo.store.ref("mail.mt_note");
  return h.odoo.store
    .searchRead("mail.message", [["model", "=", "helpdesk.ticket"], ["res_id", "=", ticketId]], ["body", "message_type", "subtype_id", "author_id"])
    .map((m) => {
      const subtype = Array.isArray(m.subtype_id) ? m.subtype_id[0] : m.subtype_id;
      return {
        id: m.id as number,
        body: String(m.body ?? ""),
        message_type: String(m.message_type),
        subtype: subtype === comment ? "comment" : subtype === note ? "note" : "other",
        author_id: typeof m.author_id === "number" ? m.author_id : false,
      } as ChatterMessage;
    })
    .sort((a, b) => a.id - b.id);
}

/** A client writes on a new e-mail ticket (as the mail gateway would file it); the automation calls /ask. */
export async function clientAsks(h: Harness, partnerId: number, text: string, opts: { teamId?: number; channel?: "email" | "line" } = {}) {
  const ticketId = await h.admin.executeKw<number>("helpdesk.ticket", "create", [{
    name: text.slice(0, 40),
    description: text,
    partner_id: partnerId,
    team_id: opts.teamId ?? h.firm.teams.clientService,
    lexreply_channel: opts.channel ?? "email",
  }]);
  const posted = await h.admin.executeKw<string>("helpdesk.ticket", "message_post", [[ticketId]], {
    body: text,
    author_id: partnerId,
    message_type: opts.channel === "line" ? "comment" : "email",
    subtype_xmlid: "mail.mt_comment",
  });
  const messageId = Number(/\((\d+)/.exec(posted)?.[1]);
  await h.core.jobs.drain();
  return { ticketId, messageId };
}

export function ticket(h: Harness, ticketId: number) {
  return h.odoo.store.row("helpdesk.ticket", ticketId)!;
}

export function activities(h: Harness, ticketId: number) {
  return h.odoo.store.searchRead("mail.activity", [["res_model", "=", "helpdesk.ticket"], ["res_id", "=", ticketId]], ["user_id", "summary", "note"]);
}

import { Router } from "express";
import type { OdooClient } from "../odoo/client.js";
import { OdooLoginError, OdooUnavailableError } from "../odoo/errors.js";
import type { ModelStatus } from "../llm/model-status.js";

export interface HealthDeps {
  odoo: OdooClient;
  model: ModelStatus;
  /** LOG_LEVEL=debug: the answer also names Odoo's URL, database, uid and version, and the raw error. */
  verbose: boolean;
}

/** The reason in words an operator can act on, without the URL or database a stranger should not learn. */
function odooReason(err: unknown): string {
  if (err instanceof OdooLoginError) return "Odoo refused the integration user's login (check ODOO_DB, ODOO_LOGIN, ODOO_API_KEY)";
  if (err instanceof OdooUnavailableError) return "Odoo cannot be reached (check ODOO_URL and that Odoo is running)";
  return "Odoo answered with an error (run `lexreply doctor`)";
}

/** `/healthz`: the process serves. `/readyz`: Odoo answers, accepts the integration user, and the model still exists. */
export function healthRoutes({ odoo, model, verbose }: HealthDeps): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const notReady = (reason: string, detail?: object) => res.status(503).json({ status: "not ready", reason, ...(verbose ? detail : {}) });
    let odooDetail: object;
    try {
      // version() reaches Odoo every time; the login is cached after the first success.
      const { server_version } = await odoo.version();
      const uid = await odoo.authenticate();
      odooDetail = { odoo: { url: odoo.settings.url, db: odoo.db, uid, version: server_version } };
    } catch (err) {
      return notReady(odooReason(err), { error: (err as Error).message, odoo: { url: odoo.settings.url, db: odoo.db } });
    }
    const blocker = model.blocker();
    if (blocker) return notReady(blocker, odooDetail);
    const notice = model.notice();
    res.json({ status: "ready", ...(notice ? { warning: notice } : {}), ...(verbose ? { ...odooDetail, model: model.state } : {}) });
  });
  return router;
}

import { Router } from "express";
import type { OdooClient } from "../odoo/client.js";

/** `/healthz`: the process serves. `/readyz`: Odoo answers and accepts the integration user. */
export function healthRoutes(odoo: OdooClient): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    try {
      // version() reaches Odoo every time; the login is cached after the first success.
      const { server_version } = await odoo.version();
      const uid = await odoo.authenticate();
      res.json({ status: "ready", odoo: { db: odoo.db, uid, version: server_version } });
    } catch (err) {
      res.status(503).json({ status: "not ready", odoo: (err as Error).message });
    }
  });
  return router;
}

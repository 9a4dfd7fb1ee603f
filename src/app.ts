import express, { type Router } from "express";
import type { Logger } from "./logger.js";
import { errorHandler, rawBody } from "./http/body.js";

/** The HTTP surface: each feature brings its own router; bodies stay raw bytes for signature checks. */
export function createApp(log: Logger, routers: Router[]): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(rawBody);
  for (const router of routers) app.use(router);
  app.use((req, res) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use(errorHandler(log));
  return app;
}

import { Router } from "express";
import { collectDefaultMetrics, Counter, Gauge, Registry } from "prom-client";

/** The process's Prometheus metrics, served at `GET /metrics`. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "lexreply_" });

/**
 * A counter registered once per process: several sidecars built in one process (the tests) share it,
 * as they would share one scrape target.
 */
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge(name: string, help: string): Gauge {
  return (registry.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers: [registry] });
}

export function metricsRoutes(): Router {
  const router = Router();
  router.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}

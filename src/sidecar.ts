import OpenAI from "openai";
import type { Router } from "express";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createApp } from "./app.js";
import { OdooClient } from "./odoo/client.js";
import { Templates } from "./templates/renderer.js";
import { OpenAIAnswerer } from "./llm/openai-answerer.js";
import { TemplateAnswerer } from "./llm/template-answerer.js";
import type { Answerer } from "./llm/answerer.js";
import { AskJobs } from "./jobs/ask-jobs.js";
import { answerTicket, type EscalationListener, type LineDelivery, type PipelineDeps } from "./pipeline/answer-ticket.js";
import { askRoutes } from "./routes/ask.js";
import { healthRoutes } from "./routes/health.js";
import { notifyRoutes } from "./routes/notify.js";
import { Notices, type NoticePush } from "./notices/notices.js";
import { counter, metricsRoutes } from "./metrics.js";
import { ModelStatus, openAIModelFetcher } from "./llm/model-status.js";

/** The settings a running sidecar needs once sandbox mode has filled in its own Odoo. */
export type SidecarConfig = Config & { ODOO_URL: string; ODOO_DB: string; ODOO_API_KEY: string; ASK_SECRET: string };

export interface SidecarParts {
  odoo: OdooClient;
  templates: Templates;
  answerer: Answerer;
  pipeline: PipelineDeps;
  jobs: AskJobs;
  /** Whether LLM_MODEL still exists and when it shuts down (`check()` asks the API). */
  modelStatus: ModelStatus;
}

/** Channels that plug into the core: they may deliver on LINE, hear of escalations, add routes, and run in the background. */
export interface ChannelPlugins {
  line?: LineDelivery;
  /** Pushes a notice to a LINE user (the LINE channel); without it, notices go by e-mail. */
  push?: NoticePush;
  escalations?: EscalationListener;
  routes?: Router[];
  start?: () => void | Promise<void>;
  stop?: () => void | Promise<void>;
}

/** Several channels as one: every listener hears every escalation; start runs for all in order, stop in reverse. */
export function combineChannels(list: ChannelPlugins[]): ChannelPlugins {
  const listeners = list.flatMap((p) => (p.escalations ? [p.escalations] : []));
  return {
    line: list.find((p) => p.line)?.line,
    push: list.find((p) => p.push)?.push,
    escalations: { escalated: (e) => listeners.forEach((l) => l.escalated(e)) },
    routes: list.flatMap((p) => p.routes ?? []),
    start: async () => {
      for (const p of list) await p.start?.();
    },
    stop: async () => {
      // What started last stops first.
      for (const p of [...list].reverse()) await p.stop?.();
    },
  };
}

const openAIClient = (config: Config) => new OpenAI({ apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL, maxRetries: 2, timeout: config.LLM_TIMEOUT_MS });

export function buildAnswerer(config: Config, templates: Templates): Answerer {
  if (config.llmMode === "templates") return new TemplateAnswerer(templates);
  return new OpenAIAnswerer({
    client: openAIClient(config),
    model: config.LLM_MODEL,
    api: config.OPENAI_API,
    reasoningEffort: config.LLM_REASONING_EFFORT,
    verbosity: config.LLM_VERBOSITY,
  });
}

/** Builds the core from its settings: every outside service is reached through a URL in `config`. */
export function buildCore(config: SidecarConfig, log: Logger): SidecarParts {
  const odoo = new OdooClient(
    { url: config.ODOO_URL, db: config.ODOO_DB, login: config.ODOO_LOGIN, apiKey: config.ODOO_API_KEY, timeoutMs: config.ODOO_TIMEOUT_MS },
    log,
  );
  const templates = new Templates(config.TEMPLATES_DIR);
  const answerer = buildAnswerer(config, templates);
  const modelStatus = new ModelStatus(config.LLM_MODEL, config.llmMode === "openai" ? openAIModelFetcher(openAIClient(config)) : null);
  const pipeline: PipelineDeps = {
    odoo,
    templates,
    answerer,
    fallbackAnswerer: config.LLM_FALLBACK === "templates" && answerer.name !== "templates" ? new TemplateAnswerer(templates) : undefined,
    log,
    llmTimeoutMs: config.LLM_TIMEOUT_MS,
    senderAuthPolicy: config.SENDER_AUTH_POLICY,
    modelNotice: () => modelStatus.notice(),
  };
  const answers = counter("lexreply_answers_total", "Questions answered, by how they ended (sent, draft, escalated, failed, skipped)", ["state"]);
  const jobs = new AskJobs({
    run: async (job) => {
      const outcome = await answerTicket(pipeline, job);
      answers.inc({ state: outcome.state });
      return outcome;
    },
    concurrency: config.MAX_CONCURRENT_ANSWERS,
    log,
  });
  return { odoo, templates, answerer, pipeline, jobs, modelStatus };
}

/** The core, the channels built on it (they need its Odoo client), and the HTTP app serving them all. */
export function buildSidecar(config: SidecarConfig, log: Logger, channels: (core: SidecarParts) => ChannelPlugins = () => ({})) {
  const core = buildCore(config, log);
  const plugins = channels(core);
  core.pipeline.line = plugins.line;
  core.pipeline.escalations = plugins.escalations;
  const app = createApp(log, [
    healthRoutes({ odoo: core.odoo, model: core.modelStatus, verbose: config.LOG_LEVEL === "debug" || config.LOG_LEVEL === "trace" }),
    metricsRoutes(),
    askRoutes({ secret: config.ASK_SECRET, db: config.ODOO_DB, jobs: core.jobs }),
    notifyRoutes({ secret: config.ASK_SECRET, db: config.ODOO_DB, notices: new Notices({ odoo: core.odoo, templates: core.templates, db: config.ODOO_DB, push: plugins.push, log }) }),
    ...(plugins.routes ?? []),
  ]);
  return { app, core, plugins };
}

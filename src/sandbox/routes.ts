import { Router, type Request } from "express";
import { z } from "zod";
import { bodyBytes, HttpError } from "../http/body.js";
import { estimateCost, formatCost } from "../cli/cost.js";
import type { SandboxFirm } from "./firm.js";
import { SandboxError, type SandboxOutcome, type SandboxQuestion, type SandboxSession } from "./session.js";
import { pageView } from "./views.js";

const formSchema = z.object({
  client: z.coerce.number().int().positive(),
  channel: z.enum(["email", "line"]),
  team: z.coerce.number().int().positive(),
  question: z.string().trim().min(1, "type a question").max(4000),
});

/** The page's form post, read from the raw body like every other route (see http/body.ts). */
function readForm(req: Request): SandboxQuestion {
  const parsed = formSchema.safeParse(Object.fromEntries(new URLSearchParams(bodyBytes(req).toString("utf8"))));
  if (!parsed.success) throw new HttpError(400, `invalid form: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const { client, channel, team, question } = parsed.data;
  return { clientId: client, channel, teamId: team, text: question };
}

function resultModel(o: SandboxOutcome) {
  const c = o.composition;
  return {
    ticket: o.ticket,
    clientReply: o.clientReply,
    chatter: o.chatter,
    activities: o.activities,
    verdict: c?.verdict ?? null,
    matters: c?.facts?.matters ?? [],
    prompt: c?.prompt ?? null,
    model: c?.result?.model ?? "",
    latencyMs: c?.latencyMs ?? 0,
    usage: c?.result?.usage ?? null,
    cost: c?.result ? formatCost(estimateCost(c.result.model, c.result.usage)) : "",
  };
}

/** `GET /sandbox` shows the form; `POST /sandbox` asks, waits for the answer and shows everything about it. */
export function sandboxRoutes(deps: { firm: SandboxFirm; session: SandboxSession; answererName: string }): Router {
  const router = Router();
  const page = pageView("page");

  const render = async (form: Partial<SandboxQuestion>, result: SandboxOutcome | null, error: string | null) => {
    const [clients, teams] = await Promise.all([deps.firm.clients(), deps.firm.teams()]);
    const selectedClient = form.clientId ?? clients.find((c) => c.lineUserId)?.id;
    return page({
      answerer: deps.answererName === "templates" ? "the template-only answerer (no OPENAI_API_KEY)" : `the model ${deps.answererName}`,
      clients: clients.map((c) => ({ id: c.id, label: `${c.name} · ${c.email || "no e-mail"}${c.lineUserId ? " · LINE linked" : ""}`, selected: c.id === selectedClient })),
      teams: teams.map((t) => ({ id: t.id, label: `${t.name} (policy ${t.policy})`, selected: t.id === form.teamId })),
      lineChecked: (form.channel ?? "line") === "line",
      question: form.text ?? "",
      result: result && resultModel(result),
      error,
    });
  };

  // In sandbox mode the root has nothing else to show: whoever opens the port wants the page.
  router.get("/", (_req, res) => res.redirect("/sandbox"));

  router.get("/sandbox", async (_req, res) => {
    res.type("html").send(await render({}, null, null));
  });

  router.post("/sandbox", async (req, res) => {
    const question = readForm(req);
    try {
      res.type("html").send(await render(question, await deps.session.ask(question), null));
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      res.status(422).type("html").send(await render(question, null, err.message));
    }
  });
  return router;
}

import { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { bodyBytes, HttpError } from "../http/body.js";
import { estimateCost, formatCost } from "../cli/cost.js";
import { UNKNOWN_SENDER, type SandboxFirm } from "./firm.js";
import { SandboxError, type SandboxOutcome, type SandboxQuestion, type SandboxSession } from "./session.js";
import { pageView } from "./views.js";

const id = (what: string) => z.coerce.number({ error: `Pick ${what} from the list.` }).int(`Pick ${what} from the list.`).nonnegative(`Pick ${what} from the list.`);

const questionForm = z.object({
  client: id("a client"),
  channel: z.enum(["email", "line"], { error: "Pick LINE or e-mail." }),
  team: id("a team"),
  question: z.string({ error: "Type a question first." }).trim().min(1, "Type a question first: it was empty or only spaces.").max(4000, "Keep the question under 4,000 characters."),
});

const approveForm = z.object({ ticket: id("a ticket") });

/** A form post, read from the raw body like every other route (see http/body.ts); a bad one is said in words on the page. */
function readForm<T>(req: Request, schema: z.ZodType<T>): { form: T; error: null } | { form: null; error: string; raw: Record<string, string> } {
  const raw = Object.fromEntries(new URLSearchParams(bodyBytes(req).toString("utf8")));
  const parsed = schema.safeParse(raw);
  return parsed.success ? { form: parsed.data, error: null } : { form: null, error: [...new Set(parsed.error.issues.map((i) => i.message))].join(" "), raw };
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The page acts as the firm's administrator, so only a page it served may post to it: a form on
 * another site (CSRF), or a name rebound to 127.0.0.1 (DNS rebinding), is refused. A client that
 * sends no Origin is not a browser carrying someone's visit.
 */
function sameOriginOnly(req: Request, _res: Response, next: NextFunction): void {
  const host = req.get("host") ?? "";
  const site = req.get("sec-fetch-site");
  const origin = req.get("origin");
  const hostname = host.replace(/:\d+$/, "");
  if (!LOOPBACK.has(hostname)) return next(new HttpError(403, `the sandbox answers only on localhost, not ${hostname}`));
  if ((site && site !== "same-origin" && site !== "none") || (origin !== undefined && origin !== `http://${host}`)) {
    return next(new HttpError(403, "this form may be posted only from the sandbox page itself"));
  }
  next();
}

function resultModel(o: SandboxOutcome) {
  const c = o.composition;
  return {
    ticket: o.ticket,
    /** A held draft: the page offers the paralegal's Approve & send. */
    approvable: o.ticket.state === "draft",
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
    const selected = [...clients, UNKNOWN_SENDER].find((c) => c.id === selectedClient);
    return page({
      answerer: deps.answererName === "templates" ? "the template-only answerer (no OPENAI_API_KEY)" : `the model ${deps.answererName}`,
      clients: [
        ...clients.map((c) => ({ id: c.id, label: `${c.name} · ${c.email || "no e-mail"}${c.lineUserId ? " · LINE linked" : ""}`, line: Boolean(c.lineUserId), selected: c.id === selectedClient })),
        { id: UNKNOWN_SENDER.id, label: `Someone unknown · ${UNKNOWN_SENDER.email} (no client has this address)`, line: false, selected: selectedClient === UNKNOWN_SENDER.id },
      ],
      teams: teams.map((t) => ({ id: t.id, label: `${t.name} (policy ${t.policy})`, selected: t.id === form.teamId })),
      // A client without LINE can only be asked about by e-mail.
      lineChecked: (form.channel ?? "line") === "line" && Boolean(selected?.lineUserId),
      lineDisabled: !selected?.lineUserId,
      question: form.text ?? "",
      result: result && resultModel(result),
      error,
    });
  };

  /** Runs a sandbox action and shows its outcome; what the sample firm cannot do is said on the page. */
  const show = async (res: Response, form: Partial<SandboxQuestion>, action: () => Promise<SandboxOutcome>) => {
    try {
      res.type("html").send(await render(form, await action(), null));
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      res.status(422).type("html").send(await render(form, null, err.message));
    }
  };

  // In sandbox mode the root has nothing else to show: whoever opens the port wants the page.
  router.get("/", (_req, res) => res.redirect("/sandbox"));

  router.get("/sandbox", async (_req, res) => {
    res.type("html").send(await render({}, null, null));
  });

  router.post("/sandbox", sameOriginOnly, async (req, res) => {
    const read = readForm(req, questionForm);
    if (!read.form) {
      res.status(400).type("html").send(await render({ text: read.raw.question ?? "" }, null, read.error));
      return;
    }
    const { client, channel, team, question } = read.form;
    const asked: SandboxQuestion = { clientId: client, channel, teamId: team, text: question };
    await show(res, asked, () => deps.session.ask(asked));
  });

  router.post("/sandbox/approve", sameOriginOnly, async (req, res) => {
    const read = readForm(req, approveForm);
    if (!read.form) {
      res.status(400).type("html").send(await render({}, null, read.error));
      return;
    }
    const ticketId = read.form.ticket;
    await show(res, {}, () => deps.session.approve(ticketId));
  });
  return router;
}

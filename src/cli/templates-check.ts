import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { TemplateAnswerer } from "../llm/template-answerer.js";
import { composeAnswer, type Fallback } from "../pipeline/answer-ticket.js";
import Handlebars from "handlebars";
import { BUILT_IN_TEMPLATES, LANGUAGES, Templates, type Language } from "../templates/renderer.js";
import { clientByEmail } from "./client-lookup.js";
import { withEnvironment, type CliEnvironment } from "./environment.js";
import { CliError, println, type CliIO } from "./io.js";

/** Every holding reply the pipeline can send; each is rendered with no variables. */
const FALLBACKS: Fallback[] = ["busy", "unknown_client", "no_case", "review"];

/** Sample clients whose matters cover every branch of the templates: hearing date, closed matter, company contact, English. */
const SAMPLE_SENDERS = ["meiling.chen@example.tw", "zhiming.lin@example.tw", "datong.wang@twprecision.example.tw", "emily.carter@example.com"];
const SAMPLE_QUESTION: Record<Language, string> = { "zh-TW": "請問我的案件目前進度如何？", en: "How is my case going?" };

interface RenderCall {
  lang: Language;
  name: string;
  vars: object;
}

/** The shipped templates, remembering every render the pipeline asks of them (name and exact variables). */
class RecordingTemplates extends Templates {
  readonly calls: RenderCall[] = [];
  override render(lang: Language, name: string, vars: object): string {
    this.calls.push({ lang, name, vars });
    return super.render(lang, name, vars);
  }
}

/** Runs sample questions through the real pipeline (template-only answers, no writes) to learn what each template is given. */
export async function sampleRenders(env: CliEnvironment): Promise<RenderCall[]> {
  const recorder = new RecordingTemplates();
  const deps = { ...env.core.pipeline, templates: recorder, answerer: new TemplateAnswerer(recorder), fallbackAnswerer: undefined };
  for (const email of SAMPLE_SENDERS) {
    const { partner } = await clientByEmail(env.core.odoo, email);
    if (!partner) throw new Error(`the sample firm has no client ${email}`);
    for (const lang of LANGUAGES)
      for (const channel of ["email", "line"] as const)
        await composeAnswer(deps, { text: SAMPLE_QUESTION[lang], client: partner, channel, policy: "auto", senderAuth: null });
  }
  for (const lang of LANGUAGES) for (const f of FALLBACKS) recorder.render(lang, `fallback/${f}`, {});
  return recorder.calls;
}

function templateFiles(dir: string): string[] {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : [join(d, n)]));
  return walk(dir).map((f) => relative(dir, f).split("\\").join("/"));
}

/** Templates a channel renders (LINE linking, …) get no sample variables here: their syntax is still checked. */
function syntaxProblem(path: string): string | null {
  try {
    Handlebars.precompile(readFileSync(path, "utf8"), { strict: true });
    return null;
  } catch (err) {
    return (err as Error).message.split("\n")[0]!;
  }
}

/** `lexreply templates check DIR`: renders the firm's folder against the sample firm; exit 1 if any template fails. */
export async function templatesCheckCommand(io: CliIO, dir: string): Promise<number> {
  const root = resolve(dir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new CliError(`${dir} is not a folder`);
  const calls = await withEnvironment(io, sampleRenders, { sampleFirm: true });
  const firm = new Templates(root);
  const known = new Set(calls.map((c) => `${c.lang}/${c.name}.hbs`));
  const results = new Map<string, string | null>();
  for (const { lang, name, vars } of calls) {
    const key = `${lang}/${name}`;
    if (results.get(key)) continue;
    try {
      firm.render(lang, name, vars);
      results.set(key, null);
    } catch (err) {
      results.set(key, (err as Error).message);
    }
  }
  for (const lang of LANGUAGES) {
    try {
      firm.labels(lang);
      results.set(`${lang}/labels.json`, null);
    } catch (err) {
      results.set(`${lang}/labels.json`, `labels.json: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  const files = templateFiles(root);
  let failures = 0;
  for (const [key, problem] of results) {
    const file = key.endsWith(".json") ? key : `${key}.hbs`;
    const whose = files.includes(file) ? "yours" : "shipped";
    println(io.stdout, problem ? `✘ ${key} (${whose}): ${problem}` : `✔ ${key} (${whose})`);
    if (problem) failures++;
  }
  const shipped = new Set(templateFiles(BUILT_IN_TEMPLATES));
  for (const file of files.filter((f) => f.endsWith(".hbs") && !known.has(f))) {
    const problem = shipped.has(file) ? syntaxProblem(join(root, file)) : "LexReply never renders this file (misspelt name or folder?); the shipped template is used instead";
    println(io.stdout, problem ? `✘ ${file}: ${problem}` : `✔ ${file} (yours; syntax only: a channel gives it its variables)`);
    if (problem) failures++;
  }
  println(io.stdout, failures ? `\n✘ ${failures} template${failures > 1 ? "s" : ""} to fix in ${dir}` : `\n✔ every template in ${dir} renders against the sample firm`);
  return failures ? 1 : 0;
}

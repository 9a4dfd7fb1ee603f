import { ConfigError, readSettings, type Config, type LoadedConfig } from "../config.js";
import { errorText, fail, ok, warn, type Check, type CheckResult } from "./checks/check.js";
import { odooChecks } from "./checks/odoo.js";
import { imapCheck, lineCheck, modelCheck, modelLifetimeCheck, smtpCheck } from "./checks/services.js";
import { openEnvironment } from "./environment.js";
import { println, type CliIO } from "./io.js";

const MARK = { ok: "✔", fail: "✘", warn: "!", skip: "–" } as const;

function print(io: CliIO, name: string, r: CheckResult): void {
  println(io.stdout, `${MARK[r.status]} ${name}: ${r.detail}`);
  if (r.status === "fail" || r.status === "warn") println(io.stdout, `    fix: ${r.fix}`);
}

/** Runs the checks in order; one whose prerequisite failed or was skipped is skipped and says why. */
async function runChecks(io: CliIO, checks: Check[]): Promise<number> {
  const passed = new Set<string>();
  let failures = 0;
  for (const check of checks) {
    const r: CheckResult =
      check.needs && !passed.has(check.needs) ? { status: "skip", detail: `not checked: needs "${check.needs}" first` } : await check.run().catch((err) => fail(errorText(err), "see the message above"));
    if (r.status === "ok") passed.add(check.name);
    if (r.status === "fail") failures++;
    print(io, check.name, r);
  }
  return failures;
}

function configSummary(config: Config): string {
  const odoo = config.mode === "sandbox" ? "sandbox mode: no production setting, checking the built-in stand-in with the sample firm" : `Odoo ${config.ODOO_URL} database "${config.ODOO_DB}"`;
  const model = config.llmMode === "templates" ? "template-only answers" : `model ${config.LLM_MODEL}`;
  return `${odoo}; ${model}`;
}

/** `lexreply doctor`: every setting and connection in turn; exit 1 on any ✘. */
export async function doctorCommand(io: CliIO): Promise<number> {
  let loaded: LoadedConfig;
  try {
    // The same rules as `npm start`: a URL the sidecar would refuse is refused here, before any ✔.
    loaded = readSettings(io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) print(io, "configuration", fail(problem, "set it as .env.example describes"));
    println(io.stdout, "\n✘ the configuration must be fixed before anything else can be checked");
    return 1;
  }
  const { config, warnings } = loaded;
  print(io, "configuration", ok(configSummary(config)));
  for (const w of warnings) print(io, "configuration", warn(w, "remove or rename it (.env.example lists every setting)"));
  const env = await openEnvironment(io);
  try {
    const failures = await runChecks(io, [
      ...odooChecks(env.core.odoo),
      modelCheck(config, env.core.answerer),
      modelLifetimeCheck(env.core.modelStatus),
      lineCheck(config),
      imapCheck(config),
      smtpCheck(config),
    ]);
    println(io.stdout, failures ? `\n✘ ${failures} problem${failures > 1 ? "s" : ""} to fix` : "\n✔ all checks passed");
    return failures ? 1 : 0;
  } finally {
    await env.close();
  }
}

import { createRequire } from "node:module";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { askCommand } from "./ask.js";
import { doctorCommand } from "./doctor.js";
import { evalCommand } from "./eval.js";
import { CliError, println, processIO, type CliIO } from "./io.js";
import { templatesCheckCommand } from "./templates-check.js";

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive whole number");
  return n;
};

/** `0.95` or `95%`. */
const share = (v: string) => {
  const n = v.trim().endsWith("%") ? Number(v.trim().slice(0, -1)) / 100 : Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError("must be a share between 0 and 1, or a percentage such as 95%");
  return n;
};

// package.json is two levels up from both src/cli and dist/cli.
const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

const ENV_NOTE =
  "\nReads the same settings as the sidecar (.env in this folder, the environment winning; .env.example lists them). With no production setting it runs against a built-in Odoo stand-in with the sample firm.";

/** The command tree; each action stores its exit code so `main` can return it (tests run it in-process). */
function program(io: CliIO, done: (code: number) => void): Command {
  const root = new Command("lexreply")
    .description("LexReply: check a set-up, try a question, measure answers, check a firm's templates.")
    .version(version, "-V, --version", "print the version")
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride()
    .showHelpAfterError();

  root
    .command("doctor")
    .description("check every setting and connection in turn: ✔ or ✘ with the fix; exit 1 on any ✘")
    .addHelpText("after", ENV_NOTE)
    .action(async () => done(await doctorCommand(io)));

  root
    .command("ask")
    .description("dry run: answer a question as the pipeline would and print prompt, answer, check, tokens and cost; posts nothing")
    .argument("[question]", "the client's question (with --partner)")
    .option("--ticket <id>", "answer the newest client message on this ticket again", positiveInt)
    .option("--partner <email>", "ask as the client with this e-mail address")
    .addOption(new Option("--channel <channel>", "reply as on this channel (with --partner)").choices(["email", "line"]).default("email"))
    .addOption(new Option("--policy <policy>", "team policy to decide under (with --partner; a ticket uses its own)").choices(["auto", "review", "auto_if_grounded"]).default("auto"))
    .addHelpText("after", `\nExamples:\n  lexreply ask --ticket 42\n  lexreply ask --partner meiling.chen@example.tw "我的案件進度如何？"${ENV_NOTE}`)
    .action(async (question: string | undefined, opts) => done(await askCommand(io, question, opts)));

  root
    .command("eval")
    .description("run golden sets (YAML) through the pipeline and print a table and totals; exit 1 if any fact was invented or fewer pass than --min-pass")
    .argument("[file...]", "golden set files, e.g. eval/golden-zh-TW.yaml eval/golden-en.yaml")
    .option("--check-corpus [file]", "instead of golden sets, run the fact check's own corpus (default eval/check-corpus.yaml): caught / missed / false holds per class")
    .option("--min-pass <share>", "exit 1 when fewer than this share of the items pass (0-1, or a percentage such as 95%)", share)
    .option("--json", "print the results as JSON", false)
    .addOption(new Option("--policy <policy>", "decide every answer under this policy instead of each set's own").choices(["auto", "review", "auto_if_grounded"]))
    .option("--concurrency <n>", "questions answered at once", positiveInt, 4)
    .option("--sample-firm", "use the built-in sample firm even when ODOO_URL is set (the shipped golden sets are about it)", false)
    .addHelpText("after", `\nThe golden set format is in docs/cli.md.${ENV_NOTE}`)
    .action(async (files: string[], opts) => done(await evalCommand(io, files, opts)));

  root
    .command("templates")
    .description("work with a firm's own templates")
    .command("check")
    .description("render every template in DIR against the sample firm and report each one that fails; exit 1 on any failure")
    .argument("<dir>", "the firm's templates folder (the same layout as templates/)")
    .action(async (dir: string) => done(await templatesCheckCommand(io, dir)));

  return root;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can run it in-process. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let code = 0;
  try {
    await program(io, (c) => (code = c)).parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      println(io.stderr, `lexreply: ${err.message}`);
      return err.exitCode;
    }
    println(io.stderr, `lexreply: ${(err as Error).message}`);
    return 1;
  }
}

import cliProgress from "cli-progress";
import { composeAnswer, type Composition } from "../pipeline/answer-ticket.js";
import type { Policy } from "../pipeline/policy.js";
import { clientByEmail } from "./client-lookup.js";
import { corpusPassShare, corpusReport, corpusTotals, loadCheckCorpus, runCheckCorpus } from "./eval-check-corpus.js";
import { withEnvironment, type CliEnvironment } from "./environment.js";
import { scoreItem, type ItemResult } from "./eval-score.js";
import { table, totals, totalsText } from "./eval-report.js";
import { loadGoldenSet, type GoldenItem } from "./golden.js";
import { CliError, println, type CliIO } from "./io.js";

export interface EvalOptions {
  json: boolean;
  /** Overrides each golden set's own policy. */
  policy?: Policy;
  /** Questions in flight at once (a model answers in seconds; the order of the table is kept). */
  concurrency: number;
  /** Use the built-in sample firm even when ODOO_URL is set: the shipped golden sets are about it. */
  sampleFirm: boolean;
  /** Run the fact check's own corpus (this file, or the shipped one) instead of golden sets. */
  checkCorpus?: string | true;
  /** Exit 1 when fewer than this share (0–1) of the items pass. */
  minPass?: number;
}

export const DEFAULT_CHECK_CORPUS = "eval/check-corpus.yaml";

const percent = (share: number) => `${(share * 100).toFixed(1).replace(/\.0$/, "")}%`;

/** Exit 1 (with the reason on stderr) when the run passed fewer items than `--min-pass` asks. */
function belowMinPass(io: CliIO, passed: number, items: number, minPass: number | undefined): boolean {
  const share = items ? passed / items : 1;
  if (minPass === undefined || share >= minPass) return false;
  println(io.stderr, `eval: ${passed}/${items} passed (${percent(share)}), below --min-pass ${percent(minPass)}`);
  return true;
}

/** `fn` over `items` with at most `limit` running at once; results in the items' order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Progress on stderr: a bar on a terminal, one line per question otherwise (CI logs, pipes). */
function progress(io: CliIO, total: number) {
  if (io.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({ stream: io.stderr, format: "eval [{bar}] {value}/{total} {id}", hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(total, 0, { id: "" });
    return { step: (r: ItemResult) => bar.increment({ id: r.id }), stop: () => bar.stop() };
  }
  let done = 0;
  return { step: (r: ItemResult) => println(io.stderr, `eval [${++done}/${total}] ${r.id} ${r.outcome}`), stop: () => {} };
}

/** One question through the same steps as a real one: identify the sender, then compose (no writes). */
async function runItem(env: CliEnvironment, item: GoldenItem, policy: Policy): Promise<Composition | null> {
  const sender = await clientByEmail(env.core.odoo, item.client);
  if (!sender.partner) return null;
  return composeAnswer(env.core.pipeline, { text: item.question, client: sender.partner, channel: item.channel, policy, senderAuth: null });
}

/**
 * `lexreply eval --check-corpus [FILE]`: the check alone over its corpus (no Odoo, no model); exit 1
 * if an invented fact got through or fewer items pass than `--min-pass`.
 */
function checkCorpusCommand(io: CliIO, path: string, opts: EvalOptions): number {
  const results = runCheckCorpus(loadCheckCorpus(path));
  const totals = corpusTotals(results);
  if (opts.json) println(io.stdout, JSON.stringify({ totals, items: results }, null, 2));
  else println(io.stdout, corpusReport(results));
  const missed = totals.reduce((s, t) => s + t.missed, 0);
  const share = corpusPassShare(results);
  const low = belowMinPass(io, Math.round(share * results.length), results.length, opts.minPass);
  return missed > 0 || low ? 1 : 0;
}

/** `lexreply eval FILE…`: runs golden sets and prints a table and totals (or JSON); exit 1 if any fact was invented or too few passed. */
export async function evalCommand(io: CliIO, files: string[], opts: EvalOptions): Promise<number> {
  if (opts.checkCorpus !== undefined) {
    if (files.length) throw new CliError("give either golden set files or --check-corpus [file], not both", 2);
    return checkCorpusCommand(io, opts.checkCorpus === true ? DEFAULT_CHECK_CORPUS : opts.checkCorpus, opts);
  }
  if (files.length === 0) throw new CliError("give golden set files (e.g. eval/golden-zh-TW.yaml), or --check-corpus", 2);
  const sets = files.map((f) => loadGoldenSet(f));
  const items = sets.flatMap((s) => s.items.map((item) => ({ item, policy: opts.policy ?? s.policy })));
  const results = await withEnvironment(
    io,
    async (env) => {
      const bar = progress(io, items.length);
      try {
        return await mapLimit(items, opts.concurrency, async ({ item, policy }) => {
          const result = scoreItem(item, await runItem(env, item, policy));
          bar.step(result);
          return result;
        });
      } finally {
        bar.stop();
        println(io.stderr, `eval: answerer ${env.core.answerer.name}, ${sets.map((s) => `${s.name} (${opts.policy ?? s.policy})`).join(", ")}`);
      }
    },
    { sampleFirm: opts.sampleFirm },
  );
  const sum = totals(results);
  if (opts.json) println(io.stdout, JSON.stringify({ totals: sum, items: results }, null, 2));
  else println(io.stdout, `${table(results)}\n\n${totalsText(sum)}`);
  const low = belowMinPass(io, sum.passed, sum.items, opts.minPass);
  return sum.inventedFacts > 0 || low ? 1 : 0;
}

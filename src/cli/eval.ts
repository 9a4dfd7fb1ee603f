import cliProgress from "cli-progress";
import { composeAnswer, type Composition } from "../pipeline/answer-ticket.js";
import type { Policy } from "../pipeline/policy.js";
import { clientByEmail } from "./client-lookup.js";
import { withEnvironment, type CliEnvironment } from "./environment.js";
import { scoreItem, type ItemResult } from "./eval-score.js";
import { table, totals, totalsText } from "./eval-report.js";
import { loadGoldenSet, type GoldenItem } from "./golden.js";
import { println, type CliIO } from "./io.js";

export interface EvalOptions {
  json: boolean;
  /** Overrides each golden set's own policy. */
  policy?: Policy;
  /** Questions in flight at once (a model answers in seconds; the order of the table is kept). */
  concurrency: number;
  /** Use the built-in sample firm even when ODOO_URL is set: the shipped golden sets are about it. */
  sampleFirm: boolean;
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

/** `lexreply eval FILE…`: runs golden sets and prints a table and totals (or JSON); exit 1 if any fact was invented. */
export async function evalCommand(io: CliIO, files: string[], opts: EvalOptions): Promise<number> {
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
  return sum.inventedFacts > 0 ? 1 : 0;
}

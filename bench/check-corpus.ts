/**
 * The fact check over its own corpus: per token class, how many ungrounded answers it caught or
 * missed and how many grounded ones it held by mistake, and how long one check takes.
 *
 *   npm run bench:check [-- eval/check-corpus.yaml]
 */
import { corpusReport, loadCheckCorpus, runCheckCorpus } from "../src/cli/eval-check-corpus.js";

const path = process.argv[2] ?? "eval/check-corpus.yaml";
const corpus = loadCheckCorpus(path);
const results = runCheckCorpus(corpus);
console.log(`${corpus.name} (${path}): ${results.length} answers, today ${corpus.today}\n`);
console.log(corpusReport(results));

const rounds = 20;
const started = performance.now();
for (let i = 0; i < rounds; i++) runCheckCorpus(corpus);
const perAnswerMs = (performance.now() - started) / (rounds * results.length);
console.log(`\none check: ${(perAnswerMs * 1000).toFixed(0)} µs on average (${rounds} rounds of the corpus)`);

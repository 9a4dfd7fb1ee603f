import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { main } from "../src/cli/main.js";
import { loadCheckCorpus } from "../src/cli/eval-check-corpus.js";
import { TOKEN_KINDS } from "../src/pipeline/fact-check.js";

async function lexreply(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const sink = (add: (s: string) => void) => new Writable({ write: (chunk, _e, done) => (add(chunk.toString()), done()) });
  const code = await main(args, { env: { LOG_LEVEL: "fatal", LLM_MODE: "templates", ...env }, stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  return { code, stdout, stderr };
}

const CORPUS_HEAD = `today: "2026-12-02"
fixtures:
  emily:
    matters:
      - number: 2026-CON-0003
        next_event_date: "2026-12-18"
items:
`;

describe("lexreply eval --check-corpus and --min-pass", function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "lexreply-corpus-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it("the shipped corpus covers every class in both languages, the issue's examples, and ≥ 60 ungrounded and ≥ 30 grounded answers", () => {
    const corpus = loadCheckCorpus("eval/check-corpus.yaml");
    const holds = corpus.items.filter((i) => i.expect === "hold");
    assert.ok(holds.length >= 60, `${holds.length} ungrounded`);
    assert.ok(corpus.items.length - holds.length >= 30, `${corpus.items.length - holds.length} grounded`);
    for (const kind of TOKEN_KINDS) {
      for (const lang of ["zh-TW", "en"]) assert.ok(holds.some((i) => i.kind === kind && i.lang === lang), `${kind} ${lang}`);
    }
    for (const example of ["２０２６年１２月１６日", "12/16/2026", "十二月十六日", "下午 3:30", "新台幣 80 萬元", "115年度訴字第1234號", "已判決勝訴", "２０２６－ＣＩＶ－００９９", "下週二開庭"]) {
      assert.ok(holds.some((i) => i.answer.includes(example)), example);
    }
    const passes = corpus.items.filter((i) => i.expect === "pass").map((i) => i.answer).join("\n");
    for (const form of ["12月15日", "民國115年12月15日", "Dec 18", "十二月十五日", "下午 2:30", "2026-12-02"]) assert.ok(passes.includes(form), form);
  });

  it("runs the shipped corpus: every ungrounded answer caught, no false hold, exit 0", async () => {
    const r = await lexreply(["eval", "--check-corpus"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^class\s+ungrounded\s+caught\s+missed\s+grounded\s+false holds\s+unseen$/m);
    for (const kind of TOKEN_KINDS) assert.match(r.stdout, new RegExp(`^${kind}\\s+(\\d+)\\s+\\1\\s+0\\s+\\d+\\s+0\\s+0$`, "m"), kind);
    assert.match(r.stdout, /^total\s+(\d+)\s+\1\s+0\s+(\d+)\s+0\s+0$/m);
    assert.doesNotMatch(r.stdout, /problems:/);
  });

  it("exits 1 when an ungrounded answer gets through, naming it; a false hold fails only under --min-pass", async () => {
    const missed = write("missed.yaml", `${CORPUS_HEAD}  - {id: sneaky, fixture: emily, lang: en, kind: date, expect: hold, answer: "Your matter 2026-CON-0003: the call is on Dec 18."}\n`);
    const r = await lexreply(["eval", "--check-corpus", missed]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^date\s+1\s+0\s+1\s+0\s+0\s+0$/m);
    assert.match(r.stdout, /sneaky: the date was not caught/);

    const falseHold = write("false-hold.yaml", `${CORPUS_HEAD}  - {id: held, fixture: emily, lang: en, kind: date, expect: pass, answer: "Your matter 2026-CON-0003: the call is on Dec 19."}
  - {id: fine, fixture: emily, lang: en, kind: date, expect: pass, answer: "Your matter 2026-CON-0003: the call is on Dec 18."}\n`);
    const loose = await lexreply(["eval", "--check-corpus", falseHold]);
    assert.equal(loose.code, 0, "a false hold invents nothing");
    assert.match(loose.stdout, /held: a grounded answer was held for date "Dec 19"/);
    const strict = await lexreply(["eval", "--check-corpus", falseHold, "--min-pass", "100%"]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /1\/2 passed \(50%\), below --min-pass 100%/);
    assert.equal((await lexreply(["eval", "--check-corpus", falseHold, "--min-pass", "0.5"])).code, 0);
  });

  it("gives JSON totals per class with --json", async () => {
    const r = await lexreply(["eval", "--check-corpus", "eval/check-corpus.yaml", "--json"]);
    const json = JSON.parse(r.stdout);
    const money = json.totals.find((t: { kind: string }) => t.kind === "money");
    assert.ok(money.ungrounded > 0);
    assert.equal(money.caught, money.ungrounded);
    assert.ok(json.items.every((i: { outcome: string }) => ["caught", "passed"].includes(i.outcome)));
  });

  it("refuses a malformed corpus (exit 2, naming the field), both kinds of input at once, and no input", async () => {
    const bad = write("bad.yaml", `${CORPUS_HEAD}  - {id: x, fixture: nobody, lang: en, kind: date, expect: hold, answer: "a"}\n`);
    const r = await lexreply(["eval", "--check-corpus", bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml: items\.0\.fixture: no fixture "nobody"/);
    assert.equal((await lexreply(["eval", "--check-corpus", bad, "eval/golden-en.yaml"])).code, 2);
    const none = await lexreply(["eval"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give golden set files/);
    const share = await lexreply(["eval", "--min-pass", "1.5", "eval/golden-en.yaml"]);
    assert.notEqual(share.code, 0);
    assert.match(share.stderr, /must be a share between 0 and 1/);
  });

  it("--min-pass fails a golden run whose pass share is too low, though nothing was invented", async () => {
    const golden = write("golden.yaml", `items:
  - id: ok
    client: emily.carter@example.com
    question: How is my contract review going?
    must_state: [2026-CON-0003]
  - id: unmet
    client: emily.carter@example.com
    question: How is my contract review going?
    must_state: [a fact no answer states]
`);
    const strict = await lexreply(["eval", golden, "--min-pass", "0.9"]);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /invented facts\s+0\n/);
    assert.match(strict.stderr, /1\/2 passed \(50%\), below --min-pass 90%/);
    assert.equal((await lexreply(["eval", golden, "--min-pass", "50%"])).code, 0);
    assert.equal((await lexreply(["eval", golden])).code, 0, "without --min-pass only an invented fact fails the run");
  });
});

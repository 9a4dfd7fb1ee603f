import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** A port nothing listens on, for the sidecar's PORT (it logs the configured port, so 0 will not do). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** `npm start` as a fresh clone runs it: no settings at all, so sandbox mode. Resolves once it listens. */
function startSidecar(port: number, dataDir: string): Promise<{ child: ChildProcess; firstLine: string }> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOST: "127.0.0.1", DATA_DIR: dataDir };
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("LexReply sidecar listening")) resolve({ child, firstLine: out.split("\n")[0]! });
    });
    child.once("exit", (code) => reject(new Error(`the sidecar exited with ${code}:\n${out}\n${err}`)));
  });
}

describe("sandbox page in a real browser (Debian's chromium)", function () {
  this.timeout(45_000);
  let sidecar: ChildProcess | undefined;
  let browser: BrowserContext | undefined;
  let url = "";
  let firstLine = "";
  const dirs: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      skipped: ${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it)`);
      this.skip();
    }
    const port = await freePort();
    dirs.push(mkdtempSync(join(tmpdir(), "lexreply-sandbox-")), mkdtempSync(join(tmpdir(), "lexreply-chromium-")));
    const started = await startSidecar(port, dirs[0]!);
    sidecar = started.child;
    firstLine = started.firstLine;
    url = `http://127.0.0.1:${port}/sandbox`;
    browser = await chromium.launchPersistentContext(dirs[1]!, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  });

  after(async () => {
    await browser?.close();
    sidecar?.kill("SIGTERM");
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("npm start with nothing configured says sandbox mode on its first line", () => {
    assert.match(firstLine, /sandbox mode: no production setting is present/);
  });

  it("asks as 陳美玲 on LINE and shows the answer with her case number", async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    const meiling = await page.locator("#client option", { hasText: "陳美玲" }).getAttribute("value");
    await page.selectOption("#client", meiling!);
    await page.check('input[name="channel"][value="line"]');
    await page.fill("#question", "請問我的離婚案件進度如何？");
    await page.click("#ask");
    const reply = await page.locator("#client-reply").textContent({ timeout: 20_000 });
    assert.match(reply ?? "", /2026-FAM-0012/);
    assert.match((await page.locator("#verdict").textContent()) ?? "", /passed/);
    assert.match((await page.locator("#state").textContent()) ?? "", /sent/);
  });

  it("offers only the channels a client has, an unknown sender, and not the firm itself", async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    const options = await page.locator("#client option").allTextContents();
    assert.ok(options.some((o) => o.startsWith("Someone unknown")));
    assert.ok(!options.some((o) => o.includes("明理聯合法律事務所")));
    const emily = await page.locator("#client option", { hasText: "Emily Carter" }).getAttribute("value");
    await page.selectOption("#client", emily!);
    assert.equal(await page.isDisabled('input[name="channel"][value="line"]'), true);
    assert.equal(await page.isChecked('input[name="channel"][value="email"]'), true);
    const meiling = await page.locator("#client option", { hasText: "陳美玲" }).getAttribute("value");
    await page.selectOption("#client", meiling!);
    assert.equal(await page.isDisabled('input[name="channel"][value="line"]'), false);
  });

  it("says kindly that a question of only spaces is no question", async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    await page.fill("#question", "   ");
    await page.click("#ask");
    assert.match((await page.locator("#error").textContent()) ?? "", /Type a question first/);
    assert.equal(await page.locator("#question").count(), 1, "the form is still there to try again");
  });

  it("holds a draft under the review policy and sends it with Approve & send", async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    const zhiming = await page.locator("#client option", { hasText: "林志明" }).getAttribute("value");
    await page.selectOption("#client", zhiming!);
    await page.check('input[name="channel"][value="email"]');
    await page.selectOption("#team", { label: (await page.locator("#team option", { hasText: "policy review" }).textContent())! });
    await page.fill("#question", "工程款案件進度？");
    await page.click("#ask");
    assert.match((await page.locator("#state").textContent({ timeout: 20_000 })) ?? "", /draft/);
    await page.click("#approve");
    assert.match((await page.locator("#state").textContent({ timeout: 20_000 })) ?? "", /sent/);
    assert.match((await page.locator("#client-reply").textContent()) ?? "", /2026-/);
  });
});

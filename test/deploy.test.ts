import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ANALYZE = "/usr/bin/systemd-analyze";
const deployDoc = readFileSync(join(import.meta.dirname, "../docs/deploy.md"), "utf8");

/** The unit file exactly as docs/deploy.md prints it. */
const unit = () => /```ini\n([\s\S]*?)```/.exec(deployDoc)?.[1] ?? "";

function verify(text: string): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "lexreply-unit-"));
  writeFileSync(join(dir, "lexreply.service"), text);
  return new Promise((resolve) =>
    execFile(ANALYZE, ["verify", join(dir, "lexreply.service")], (err, stdout, stderr) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: err ? Number(err.code ?? 1) : 0, output: `${stdout}${stderr}` });
    }),
  );
}

describe("docs/deploy.md's systemd unit", () => {
  it("restarts on failure, reads its settings from an EnvironmentFile and runs the compiled sidecar as npm start does", () => {
    const text = unit();
    assert.match(text, /^Restart=on-failure$/m);
    assert.match(text, /^EnvironmentFile=\/etc\/lexreply\.env$/m);
    const start = (JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
    assert.equal(/^ExecStart=\/usr\/bin\/(.*)$/m.exec(text)?.[1], start, "the unit runs what npm start runs");
  });

  it("passes systemd-analyze verify without a warning", async function () {
    if (!existsSync(ANALYZE)) {
      console.log(`      skipped: ${ANALYZE} is not installed (apt-get install systemd)`);
      this.skip();
    }
    const good = await verify(unit());
    assert.equal(good.code, 0, good.output);
    assert.equal(good.output.trim(), "", good.output);
    const broken = await verify(unit().replace("Restart=on-failure", "Restart=on-failur"));
    assert.match(broken.output, /restart specifier/i, "the check would catch a mistake");
  });
});

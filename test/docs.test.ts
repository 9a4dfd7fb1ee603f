import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const files = (dir: string, ext: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(ext)).map((f) => `${dir}/${f}`);

/** What a firm's operator reads: the README, the docs, the addon's README, the settings file, and what the CLI prints. */
const OPERATOR_TEXTS = ["README.md", ".env.example", "odoo_addon/README.md", ...files("docs", ".md"), ...files("src/cli/checks", ".ts")];

const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">");

/** Every label the addon shows: button and field strings, menu names, settings block titles, in every view of every module. */
function addonLabels(): Set<string> {
  const labels = new Set<string>();
  for (const module of ["lexreply", "lexreply_helpdesk_mgmt", "lexreply_helpdesk"]) {
    for (const view of files(`odoo_addon/${module}/views`, ".xml")) {
      for (const m of read(view).matchAll(/\b(?:string|title|name)="([^"]+)"/g)) labels.add(unescape(m[1]!));
    }
  }
  return labels;
}

/** The name a path segment gives: its bold, italic or quoted text, else its words up to the punctuation that ends it. */
function segmentName(segment: string): string {
  const s = segment.trim();
  const marked = /^(\*\*|\*|")(.+?)\1/.exec(s);
  return (marked ? marked[2]! : s.split(/[:;,.()]|\s{2}|\s(?:set|press|shows|then)\b/)[0]!).trim();
}

describe("the docs stand alone and name the addon's screens as they are", () => {
  it("point nowhere outside the repository", () => {
    for (const path of OPERATOR_TEXTS) assert.doesNotMatch(read(path), /\.\.\/shared|DESIGN\b/, path);
  });

  it("name every screen, menu and button under LexReply's settings and menus exactly as the addon's views do", () => {
    const labels = addonLabels();
    assert.ok(labels.has("Generate a new API key"), "the views are read (the key button is there)");
    const checked: string[] = [];
    for (const path of OPERATOR_TEXTS) {
      for (const line of read(path).split("\n")) {
        const segments = line.split("→");
        const root = segments.findIndex((s) => /(^|[\s*"(])(LexReply|Matters)\s*$/.test(s.replace(/[*"]+$/, "").trimEnd()));
        if (root < 0) continue;
        for (const segment of segments.slice(root + 1)) {
          const name = segmentName(segment);
          checked.push(name);
          assert.ok(labels.has(name), `${path}: "${name}" is not a label in the addon's views (${line.trim()})`);
        }
      }
    }
    assert.ok(checked.includes("Generate a new API key"), `the key button is named in the docs (${checked.join(", ")})`);
  });

  it("name the ticket's buttons as both helpdesk bridges show them", () => {
    for (const bridge of ["lexreply_helpdesk_mgmt", "lexreply_helpdesk"]) {
      const view = unescape(read(`odoo_addon/${bridge}/views/helpdesk_ticket_views.xml`));
      for (const button of ["Approve & send", "Regenerate", "Take over"]) assert.match(view, new RegExp(`string="${button}"`), `${bridge}: ${button}`);
    }
    assert.match(read("README.md"), /Approve & send/);
  });
});

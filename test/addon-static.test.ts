// Static checks of the Odoo addon (odoo_addon/): no Odoo needed, a few python3 calls.
// The real tests run on Odoo 18 with `npm run test:odoo` (scripts/test-odoo.sh).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const ADDON_DIR = path.resolve(import.meta.dirname, "..", "odoo_addon");

// Models of Odoo (base, mail, helpdesk flavours) our access files may name.
const KNOWN_ODOO_MODELS = new Set([
  "res.partner",
  "res.users",
  "res.groups",
  "res.config.settings",
  "res.users.apikeys",
  "mail.message",
  "mail.mail",
  "mail.activity",
  "mail.followers",
  "mail.alias",
  "ir.attachment",
  "helpdesk.ticket",
  "helpdesk.ticket.team",
  "helpdesk.ticket.stage",
  "helpdesk.team",
  "helpdesk.stage",
]);

interface ModuleInfo {
  name: string;
  manifest: { depends?: string[]; data?: string[]; demo?: string[] } | null;
  manifestError?: string;
  models: string[];
  access: { id: string; model: string; group: string }[];
}

interface Analysis {
  modules: ModuleInfo[];
  xml: { file: string; error: string | null }[];
  py: string[];
  pyErrors: string[];
}

// One python3 process byte-compiles every .py (py_compile, .pyc kept out of the repo), reads
// every manifest, parses every .xml and collects every `_name =` and access row.
const ANALYSE = String.raw`
import ast, csv, json, os, py_compile, re, sys, tempfile
import xml.etree.ElementTree as ET
root = sys.argv[1]
out = {"modules": [], "xml": [], "py": [], "pyErrors": []}
pycache = tempfile.mkdtemp(prefix="lexreply-pycache-")
for name in sorted(os.listdir(root)):
    mdir = os.path.join(root, name)
    mpath = os.path.join(mdir, "__manifest__.py")
    if not os.path.isfile(mpath):
        continue
    info = {"name": name, "manifest": None, "models": [], "access": []}
    try:
        info["manifest"] = ast.literal_eval(open(mpath, encoding="utf-8").read())
    except Exception as e:
        info["manifestError"] = repr(e)
    for dirpath, _dirs, files in os.walk(mdir):
        for f in files:
            p = os.path.join(dirpath, f)
            if f.endswith(".py"):
                out["py"].append(p)
                try:  # what python3 -m py_compile does, with the .pyc kept out of the repo
                    py_compile.compile(p, cfile=os.path.join(pycache, "%d.pyc" % len(out["py"])), doraise=True)
                except py_compile.PyCompileError as e:
                    out["pyErrors"].append(str(e))
                src = open(p, encoding="utf-8").read()
                info["models"] += re.findall(r"^\s+_name\s*=\s*[\"']([\w.]+)[\"']", src, re.M)
            elif f.endswith(".xml"):
                try:
                    ET.parse(p)
                    out["xml"].append({"file": os.path.relpath(p, root), "error": None})
                except Exception as e:
                    out["xml"].append({"file": os.path.relpath(p, root), "error": str(e)})
    acl = os.path.join(mdir, "security", "ir.model.access.csv")
    if os.path.isfile(acl):
        for row in csv.DictReader(open(acl, encoding="utf-8")):
            info["access"].append({"id": row["id"], "model": row["model_id:id"], "group": row["group_id:id"]})
    out["modules"].append(info)
import shutil
shutil.rmtree(pycache, ignore_errors=True)
print(json.dumps(out))
`;

function python(args: string[]): string {
  return execFileSync("python3", args, { encoding: "utf-8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("odoo addon (static)", function () {
  this.timeout(15000);
  let analysis: Analysis;
  let byName: Map<string, ModuleInfo>;

  before(() => {
    analysis = JSON.parse(python(["-c", ANALYSE, ADDON_DIR])) as Analysis;
    byName = new Map(analysis.modules.map((m) => [m.name, m]));
  });

  it("ships the three modules named in the design", () => {
    for (const name of ["lexreply", "lexreply_helpdesk_mgmt", "lexreply_helpdesk"]) {
      assert.ok(byName.has(name), `odoo_addon/${name}/__manifest__.py is missing`);
    }
    assert.deepEqual(byName.get("lexreply")?.manifest?.depends?.slice().sort(), ["base_automation", "mail"]);
    assert.deepEqual(byName.get("lexreply_helpdesk_mgmt")?.manifest?.depends?.slice().sort(), ["helpdesk_mgmt", "lexreply"]);
    assert.deepEqual(byName.get("lexreply_helpdesk")?.manifest?.depends?.slice().sort(), ["helpdesk", "lexreply"]);
  });

  it("every .py compiles", () => {
    assert.ok(analysis.py.length > 10, "python files found");
    assert.deepEqual(analysis.pyErrors, []);
  });

  it("every .xml parses", () => {
    assert.ok(analysis.xml.length > 5, "xml files found");
    const bad = analysis.xml.filter((x) => x.error).map((x) => `${x.file}: ${x.error}`);
    assert.deepEqual(bad, []);
  });

  it("every manifest parses and its data/demo files exist", () => {
    const missing: string[] = [];
    for (const m of analysis.modules) {
      assert.ok(m.manifest, `${m.name}/__manifest__.py: ${m.manifestError}`);
      for (const key of ["data", "demo"] as const) {
        for (const file of m.manifest[key] ?? []) {
          if (!fs.existsSync(path.join(ADDON_DIR, m.name, file))) missing.push(`${m.name}: ${key} ${file}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it("every model in an access file is defined by the module, one of its dependencies among ours, or Odoo", () => {
    const ours = new Set(analysis.modules.map((m) => m.name));
    // models defined by a module and the modules of ours it depends on, transitively
    const visible = (name: string, seen = new Set<string>()): Set<string> => {
      const models = new Set<string>();
      if (seen.has(name) || !byName.has(name)) return models;
      seen.add(name);
      const m = byName.get(name)!;
      m.models.forEach((x) => models.add(x));
      for (const dep of m.manifest?.depends ?? []) if (ours.has(dep)) visible(dep, seen).forEach((x) => models.add(x));
      return models;
    };
    const asXmlid = (model: string) => `model_${model.replace(/\./g, "_")}`;
    const problems: string[] = [];
    for (const m of analysis.modules) {
      assert.ok(
        m.access.length > 0 || !fs.existsSync(path.join(ADDON_DIR, m.name, "security", "ir.model.access.csv")),
        `${m.name}: empty access file`,
      );
      for (const row of m.access) {
        const dot = row.model.indexOf(".");
        const owner = dot >= 0 ? row.model.slice(0, dot) : m.name;
        const local = dot >= 0 ? row.model.slice(dot + 1) : row.model;
        if (ours.has(owner)) {
          // one of our modules: it must define the model, and this module must depend on it
          const model = [...visible(owner)].find((x) => asXmlid(x) === local);
          if (!model) problems.push(`${m.name}: ${row.id} names ${row.model}, which ${owner} does not define`);
          else if (!visible(m.name).has(model)) problems.push(`${m.name}: ${row.id} names ${row.model} of a module it does not depend on`);
        } else if (![...KNOWN_ODOO_MODELS].some((x) => asXmlid(x) === local)) {
          problems.push(`${m.name}: ${row.id} names ${row.model}, not a model we know`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("the integration user cannot read internal notes (field groups) and the bot's login is lexreply-bot", () => {
    const core = path.join(ADDON_DIR, "lexreply");
    const caseModel = fs.readFileSync(path.join(core, "models", "legal_case.py"), "utf-8");
    assert.match(caseModel, /internal_note = fields\.\w+\([^)]*groups=STAFF_GROUPS/s);
    assert.doesNotMatch(caseModel.match(/STAFF_GROUPS = "([^"]+)"/)?.[1] ?? "", /integration/);
    const users = fs.readFileSync(path.join(core, "data", "res_users_data.xml"), "utf-8");
    assert.match(users, /<field name="login">lexreply-bot<\/field>/);
  });
});

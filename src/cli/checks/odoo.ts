import type { OdooClient } from "../../odoo/client.js";
import { OdooError } from "../../odoo/errors.js";
import { errorText, fail, ok, skip, type Check } from "./check.js";

/** The fields the sidecar reads or writes on tickets: their presence proves the addon and a bridge are installed. */
const TICKET_FIELDS = ["lexreply_channel", "lexreply_state", "lexreply_policy", "lexreply_open", "lexreply_last_message_id", "lexreply_line_user_id", "lexreply_taken_over", "lexreply_approved_at", "lexreply_draft", "lexreply_case_id"];
const MODULES = ["lexreply", "lexreply_helpdesk_mgmt", "lexreply_helpdesk"];

const LOGIN = "Odoo login";

async function fieldsOf(odoo: OdooClient, model: string): Promise<string[]> {
  return Object.keys(await odoo.executeKw<Record<string, unknown>>(model, "fields_get", [], { attributes: ["type"] }));
}

/** The installed versions when the integration user may read `ir.module.module` (often it may not: that is fine). */
async function moduleVersions(odoo: OdooClient): Promise<string> {
  try {
    const rows = await odoo.executeKw<{ name: string; latest_version: string | false }[]>("ir.module.module", "search_read", [[["name", "in", MODULES], ["state", "=", "installed"]]], {
      fields: ["name", "latest_version"],
    });
    return rows.map((r) => `${r.name} ${r.latest_version || "?"}`).join(", ") || "version not listed";
  } catch {
    return "version not readable by the integration user";
  }
}

export function odooChecks(odoo: OdooClient): Check[] {
  const { url, db, login } = odoo.settings;
  return [
    {
      name: "Odoo reachable",
      run: async () => {
        try {
          const { server_version } = await odoo.version();
          if (!server_version.startsWith("18.")) return fail(`Odoo ${server_version} at ${url}`, "LexReply's addon is for Odoo 18: point ODOO_URL at an Odoo 18 server");
          return ok(`Odoo ${server_version} at ${url}`);
        } catch (err) {
          return fail(errorText(err), "set ODOO_URL to Odoo's origin as this machine reaches it (e.g. http://odoo:8069, without /web or /jsonrpc) and check that Odoo is running");
        }
      },
    },
    {
      name: LOGIN,
      needs: "Odoo reachable",
      run: async () => {
        try {
          return ok(`${login} logged in on database "${db}" (uid ${await odoo.authenticate()})`);
        } catch (err) {
          return fail(
            errorText(err),
            `set ODOO_API_KEY to ${login}'s API key (Odoo → Settings → LexReply → "Generate a new API key" shows a new one once), ODOO_LOGIN to the integration user (lexreply-bot) and ODOO_DB to the database name`,
          );
        }
      },
    },
    {
      name: "LexReply addon installed",
      needs: LOGIN,
      run: async () => {
        try {
          const present = new Set(await fieldsOf(odoo, "helpdesk.ticket"));
          const missing = TICKET_FIELDS.filter((f) => !present.has(f));
          if (missing.length) return fail(`helpdesk.ticket lacks ${missing.join(", ")}`, "install the lexreply bridge for your helpdesk: lexreply_helpdesk_mgmt (OCA) or lexreply_helpdesk (Enterprise), then upgrade it");
          await fieldsOf(odoo, "legal.case");
          return ok(`matters and ticket fields present (${await moduleVersions(odoo)})`);
        } catch (err) {
          return fail(errorText(err), "install the Odoo modules lexreply and its helpdesk bridge (Apps → Update Apps List → install), see odoo_addon/README.md");
        }
      },
    },
    {
      name: "integration user can read tickets and matters",
      needs: LOGIN,
      run: async () => {
        try {
          const count = (model: string) => odoo.executeKw<number>(model, "search_count", [[]]);
          const [tickets, matters, updates] = await Promise.all([count("helpdesk.ticket"), count("legal.case"), count("legal.case.update")]);
          return ok(`sees ${tickets} tickets, ${matters} matters, ${updates} client-visible updates`);
        } catch (err) {
          return fail(errorText(err), `give ${login} the group "LexReply integration" (the addon's bot user has it); on OCA helpdesk it also needs helpdesk_mgmt.group_helpdesk_user`);
        }
      },
    },
    {
      name: "integration user cannot read internal notes",
      needs: LOGIN,
      run: async () => {
        const fix = `remove ${login} from the LexReply Paralegal and Lawyer groups: it needs only "LexReply integration", which cannot read legal.case.internal_note`;
        try {
          if ((await fieldsOf(odoo, "legal.case")).includes("internal_note")) return fail(`${login} may read legal.case.internal_note`, fix);
          const rows = await odoo.executeKw<Record<string, unknown>[]>("legal.case", "search_read", [[]], { fields: ["internal_note"], limit: 1 });
          if (rows.some((r) => "internal_note" in r)) return fail(`a read of legal.case.internal_note returned it`, fix);
          return ok("internal_note is withheld from it");
        } catch (err) {
          if (err instanceof OdooError && err.odooName.endsWith("AccessError")) return ok("reading internal_note is refused");
          return skip(`could not tell: ${errorText(err)}`);
        }
      },
    },
  ];
}

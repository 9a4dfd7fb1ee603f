import { ADMIN_UID } from "./base-data.js";
import { fieldPaths, parseDomain, type Domain } from "./domain.js";
import { accessError, missingError, valueError } from "./errors.js";
import { allFieldNames, fieldOf, MAGIC_FIELDS, type FieldDef, type ModelDef, type Operation } from "./schema.js";
import type { OdooStore, Row, Scope, Vals } from "./store.js";

export interface OdooContext {
  active_test?: boolean;
  [key: string]: unknown;
}

/** `read()`'s `load`: `_classic_read` gives many2one as `[id, name]`, `None` (web_read) as the bare id. */
export type Load = "classic" | "none";

const OPERATION_VERB: Record<Operation, string> = { read: "access", write: "modify", create: "create", unlink: "delete" };

/**
 * The ORM as one user sees it: the addon's access rights, record rules and field groups. Administrators
 * see everything; every other user has the integration user's rights. Remembers every field the
 * caller asked for, so the call log can prove what was (or was not) read.
 */
export class Env {
  readonly scope: Scope;

  constructor(
    readonly store: OdooStore,
    readonly uid: number,
    readonly context: OdooContext = {},
    /** "model.field" for every field the caller named (or implied by reading all fields). */
    readonly requested = new Set<string>(),
  ) {
    this.scope = {
      activeTest: context.active_test !== false,
      canSee: (model, row) => this.isAdmin || !this.store.model(model).userRule || this.store.model(model).userRule!(row),
    };
  }

  get isAdmin(): boolean {
    return this.uid === ADMIN_UID || this.uid === 1;
  }

  get userName(): string {
    return String(this.store.value("res.users", this.store.row("res.users", this.uid)!, "name"));
  }

  get partnerId(): number {
    return this.store.row("res.users", this.uid)!.partner_id as number;
  }

  /** The same user under another context (what `with_context` does). */
  withContext(context: OdooContext): Env {
    return new Env(this.store, this.uid, { ...this.context, ...context }, this.requested);
  }

  checkModel(model: string, op: Operation): ModelDef {
    const def = this.store.model(model);
    if (!this.isAdmin && !def.userAccess.includes(op))
      throw accessError(
        `You are not allowed to ${OPERATION_VERB[op]} '${def.description}' (${model}) records.\n\n` +
          `This operation is allowed for the following groups:\n\t- Administration/Settings\n\nContact your administrator to request access if necessary.`,
      );
    return def;
  }

  private fieldAccessError(def: ModelDef, field: string) {
    return accessError(
      `You do not have enough rights to access the field "${field}" on ${def.description} (${def.name}). Please contact your system administrator.`,
    );
  }

  canReadField(def: FieldDef): boolean {
    return this.isAdmin || !def.adminOnly;
  }

  /**
   * The fields a read returns. As on a real Odoo 18: naming a field the user may not read is an
   * AccessError; no list means every field, the restricted ones dropped silently — which still counts
   * as asking for all of them in the call log.
   */
  readableFields(model: string, requested: readonly string[] | undefined): string[] {
    const def = this.store.model(model);
    const names = requested?.length ? [...requested] : allFieldNames(def);
    for (const name of names) {
      if (!fieldOf(def, name)) throw valueError(`Invalid field '${name}' on model '${model}'`);
      this.requested.add(`${model}.${name}`);
    }
    const denied = requested?.length ? names.find((n) => !this.canReadField(fieldOf(def, n)!)) : undefined;
    if (denied) throw this.fieldAccessError(def, denied);
    return ["id", ...names.filter((n) => n !== "id" && this.canReadField(fieldOf(def, n)!))];
  }

  /**
   * Rows for ids, in the order given, after `check_access`: a row hidden by a record rule is an
   * AccessError; a missing one is a MissingError, except that `read` skips missing rows silently.
   */
  browse(model: string, ids: readonly number[], missing: "raise" | "skip" = "raise"): Row[] {
    const def = this.checkModel(model, "read");
    const found = ids.map((id) => this.store.row(model, id));
    const absent = ids.filter((_, i) => !found[i]);
    if (absent.length && missing === "raise") throw missingError(model, absent, this.uid);
    const rows = found.filter((r): r is Row => r !== undefined);
    const hidden = rows.filter((r) => !this.scope.canSee(model, r));
    if (hidden.length)
      throw accessError(
        `Uh-oh! Looks like you have stumbled upon some top-secret records.\n\nSorry, ${this.userName} (id=${this.uid}) doesn't have 'read' access to:\n` +
          hidden.map((r) => `- ${def.description}, ${this.store.displayName(model, r)} (${model}: ${r.id})`).join("\n"),
      );
    return rows;
  }

  private checkDomainFields(model: string, domain: Domain): void {
    for (const path of fieldPaths(parseDomain(domain))) {
      let current = model;
      for (const name of path.split(".")) {
        const mdef = this.store.model(current);
        const fdef = fieldOf(mdef, name);
        if (!fdef) return; // the evaluator reports unknown fields with Odoo's wording
        this.requested.add(`${current}.${name}`);
        if (!this.canReadField(fdef)) throw this.fieldAccessError(mdef, name);
        if (!("relation" in fdef)) break;
        current = fdef.relation;
      }
    }
  }

  search(model: string, domain: Domain = [], opts: { offset?: number; limit?: number; order?: string } = {}): number[] {
    this.checkModel(model, "read");
    this.checkDomainFields(model, domain);
    return this.store.search(model, domain, { ...opts, scope: this.scope });
  }

  /** Values as `read()` returns them. */
  read(model: string, ids: readonly number[], fields: readonly string[] | undefined, load: Load = "classic"): Vals[] {
    const rows = this.browse(model, ids, "skip");
    const names = this.readableFields(model, fields);
    const def = this.store.model(model);
    return rows.map((row) =>
      Object.fromEntries(names.map((name) => [name, this.formatValue(model, row, name, fieldOf(def, name)!, load)])),
    );
  }

  private formatValue(model: string, row: Row, name: string, def: FieldDef, load: Load): unknown {
    const value = this.store.value(model, row, name, this.scope);
    if (def.type !== "many2one" || value === false || load === "none") return value;
    const target = this.store.row(def.relation, value as number);
    return target ? [target.id, this.store.displayName(def.relation, target)] : false;
  }

  create(model: string, vals: Vals): number {
    this.checkModel(model, "create");
    return this.store.create(model, this.writableVals(model, vals, "create"), this.uid);
  }

  write(model: string, ids: readonly number[], vals: Vals): void {
    this.checkModel(model, "write");
    this.browse(model, ids);
    this.store.write(model, [...ids], this.writableVals(model, vals, "write"), this.uid);
  }

  unlink(model: string, ids: readonly number[]): void {
    this.checkModel(model, "unlink");
    this.browse(model, ids);
    this.store.unlink(model, [...ids]);
  }

  /** Log-access columns are the ORM's own; restricted fields are refused. */
  private writableVals(model: string, vals: Vals, op: "create" | "write"): Vals {
    if (typeof vals !== "object" || vals === null || Array.isArray(vals)) throw valueError(`Invalid values ${JSON.stringify(vals)}`);
    const def = this.store.model(model);
    for (const name of Object.keys(vals)) {
      const field = fieldOf(def, name);
      if (field && !this.canReadField(field)) throw this.fieldAccessError(def, name);
    }
    const refused = Object.keys(vals).filter((n) => op === "write" && !this.isAdmin && def.userWritable && !def.userWritable(n));
    if (refused.length)
      throw accessError(`The LexReply integration user may only write LexReply fields on tickets, not: ${refused.sort().join(", ")}`);
    return Object.fromEntries(Object.entries(vals).filter(([name]) => !(name in MAGIC_FIELDS)));
  }
}

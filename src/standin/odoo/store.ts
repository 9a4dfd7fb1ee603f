import { installBaseData } from "./base-data.js";
import { comparator, DomainEvaluator, mentionsField, parseDomain, type Domain } from "./domain.js";
import { userError, validationError, valueError } from "./errors.js";
import { MODELS } from "./models.js";
import { allFieldNames, fieldOf, type FieldDef, type ModelCatalogue, type ModelDef } from "./schema.js";

export type Row = { id: number } & Record<string, unknown>;
export type Vals = Record<string, unknown>;

/** Whose eyes a read or search goes through: record rules and the `active_test` context key. */
export interface Scope {
  activeTest: boolean;
  canSee(model: string, row: Row): boolean;
}

export const UNRESTRICTED: Scope = { activeTest: true, canSee: () => true };

export interface SearchOptions {
  order?: string;
  offset?: number;
  limit?: number;
  scope?: Scope;
}

/** Odoo's server datetime format, UTC. */
export function odooNow(now = new Date()): string {
  return now.toISOString().slice(0, 19).replace("T", " ");
}

/**
 * The database: rows per model, with Odoo's write semantics (defaults, x2many commands, required and
 * unique constraints) and no security. Tests use it directly; the RPC layer goes through `Env`.
 */
export class OdooStore {
  private readonly tables = new Map<string, Map<number, Row>>();
  private readonly lastId = new Map<string, number>();
  private readonly sequences = new Map<string, number>();
  private readonly xmlids = new Map<string, { model: string; id: number }>();
  private readonly passwords = new Map<number, string>();
  private depth = 0;

  constructor(readonly catalogue: ModelCatalogue = MODELS) {
    for (const name of Object.keys(catalogue)) this.tables.set(name, new Map());
    installBaseData(this);
  }

  model(name: string): ModelDef {
    const def = this.catalogue[name];
    if (!def) throw userError(`Object ${name} doesn't exist`);
    return def;
  }

  private table(model: string): Map<number, Row> {
    this.model(model);
    return this.tables.get(model)!;
  }

  row(model: string, id: number): Row | undefined {
    return this.table(model).get(id);
  }

  /** Every row, archived ones included. */
  rows(model: string): Row[] {
    return [...this.table(model).values()];
  }

  displayName(model: string, row: Row): string {
    return this.model(model).displayName(this, row);
  }

  /** A field's value as the ORM sees it: many2one → id or false, x2many → ids the scope may see. */
  value(model: string, row: Row, field: string, scope: Scope = UNRESTRICTED): unknown {
    if (field === "id") return row.id;
    if (field === "display_name") return this.displayName(model, row);
    const def = fieldOf(this.model(model), field);
    if (!def) throw valueError(`Invalid field '${field}' on model '${model}'`);
    if (def.compute) return def.compute(this, row);
    if (def.type === "one2many") {
      const children = this.rows(def.relation).filter(
        (r) =>
          r[def.inverse] === row.id &&
          (!def.modelField || r[def.modelField] === model) &&
          (!scope.activeTest || r.active !== false) &&
          scope.canSee(def.relation, r),
      );
      return children.sort(comparator(this, def.relation, this.model(def.relation).order, scope)).map((r) => r.id);
    }
    if (def.type === "many2many") {
      return ((row[field] as number[] | undefined) ?? []).filter((id) => {
        const r = this.row(def.relation, id);
        return r !== undefined && scope.canSee(def.relation, r);
      });
    }
    return row[field] ?? false;
  }

  search(model: string, domain: Domain = [], opts: SearchOptions = {}): number[] {
    const scope = opts.scope ?? UNRESTRICTED;
    const def = this.model(model);
    let node = parseDomain(domain);
    if (scope.activeTest && "active" in def.fields && !mentionsField(node, "active"))
      node = { kind: "and", left: node, right: parseDomain([["active", "=", true]]) };
    const evaluator = new DomainEvaluator(this, scope);
    const found = this.rows(model)
      .filter((r) => scope.canSee(model, r) && evaluator.matches(model, r, node))
      .sort(comparator(this, model, opts.order || def.order, scope));
    const offset = opts.offset ?? 0;
    return found.slice(offset, opts.limit ? offset + opts.limit : undefined).map((r) => r.id);
  }

  /** Plain values of the named fields (all when omitted): many2one as id or false. */
  read(model: string, ids: number[], fields?: string[]): Vals[] {
    const names = fields?.length ? fields : allFieldNames(this.model(model));
    return ids.map((id) => {
      const row = this.row(model, id);
      if (!row) throw valueError(`${model}(${id},) does not exist`);
      return Object.fromEntries(["id", ...names.filter((n) => n !== "id")].map((n) => [n, this.value(model, row, n)]));
    });
  }

  /** Search and read in one go, for tests. */
  searchRead(model: string, domain: Domain = [], fields?: string[]): Vals[] {
    return this.read(model, this.search(model, domain), fields);
  }

  create(model: string, vals: Vals, uid = 1): number {
    return this.transaction(() => this.insert(model, vals, uid));
  }

  private insert(model: string, given: Vals, uid: number): number {
    const def = this.model(model);
    const vals = def.prepareCreate ? def.prepareCreate(this, given) : given;
    const id = (this.lastId.get(model) ?? 0) + 1;
    this.lastId.set(model, id);
    const now = odooNow();
    const row: Row = { id, create_date: now, write_date: now, create_uid: uid, write_uid: uid };
    for (const [name, field] of Object.entries(def.fields)) {
      if (field.default && !(name in vals)) row[name] = field.default(this);
      if (field.type === "many2many") row[name] = [];
    }
    this.table(model).set(id, row);
    this.assign(model, row, vals);
    return id;
  }

  write(model: string, ids: number[], vals: Vals, uid = 1): void {
    this.transaction(() => {
      for (const id of ids) {
        const row = this.row(model, id);
        if (!row) throw valueError(`${model}(${id},) does not exist`);
        this.assign(model, row, { write_date: odooNow(), write_uid: uid, ...vals });
      }
    });
  }

  /**
   * Runs `fn` as one transaction: on an error every table is as before, like Odoo's rollback. Ids and
   * sequence numbers are not given back, as PostgreSQL sequences are not.
   */
  transaction<T>(fn: () => T): T {
    if (this.depth > 0) return fn();
    const saved = new Map([...this.tables].map(([m, t]) => [m, new Map([...t].map(([id, r]) => [id, structuredClone(r)]))]));
    this.depth++;
    try {
      return fn();
    } catch (e) {
      for (const [m, t] of saved) this.tables.set(m, t);
      throw e;
    } finally {
      this.depth--;
    }
  }

  unlink(model: string, ids: number[]): void {
    for (const id of ids) this.table(model).delete(id);
  }

  private assign(model: string, row: Row, vals: Vals): void {
    const def = this.model(model);
    for (const [name, value] of Object.entries(vals)) {
      const field = fieldOf(def, name);
      if (!field || name === "id") throw valueError(`Invalid field '${name}' on model '${model}'`);
      if (field.compute || name === "display_name") continue; // Odoo ignores writes to computed fields without inverse
      if (field.type === "one2many") this.applyO2m(model, row.id, field, value);
      else if (field.type === "many2many") row[name] = this.applyM2m(field.relation, row[name] as number[], value);
      else row[name] = this.convert(model, name, field, value);
    }
    this.checkConstraints(def, row);
  }

  private convert(model: string, name: string, field: FieldDef, value: unknown): unknown {
    if (value === null || value === undefined || value === false) return false;
    switch (field.type) {
      case "many2one": {
        const id = Array.isArray(value) ? value[0] : value;
        if (typeof id !== "number" || !this.row(field.relation, id))
          throw validationError(`The operation cannot be completed: ${model}.${name} refers to a missing ${field.relation} record (${JSON.stringify(value)})`);
        return id;
      }
      case "selection":
        if (!field.selection.includes(String(value))) throw valueError(`Wrong value for ${model}.${name}: ${JSON.stringify(value)}`);
        return value;
      case "boolean":
        return Boolean(value);
      case "integer":
        if (!Number.isInteger(Number(value))) throw valueError(`invalid literal for int() with base 10: ${JSON.stringify(value)}`);
        return Number(value);
      case "date":
      case "datetime": {
        // Odoo's server formats; an ISO "T" or a timezone is refused like fields.Date/Datetime do.
        const format = field.type === "date" ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$/;
        if (typeof value !== "string" || !format.test(value))
          throw valueError(`time data ${JSON.stringify(value)} does not match format '${field.type === "date" ? "%Y-%m-%d" : "%Y-%m-%d %H:%M:%S"}'`);
        return field.type === "datetime" && value.length === 10 ? `${value} 00:00:00` : value;
      }
      default:
        return String(value);
    }
  }

  private checkConstraints(def: ModelDef, row: Row): void {
    for (const [name, field] of Object.entries(def.fields)) {
      const v = row[name];
      const empty = v === undefined || v === false || v === "" || v === null;
      if (field.required && empty)
        throw validationError(
          `The operation cannot be completed:\n- Create/update: a mandatory field is not set.\n\nModel: ${def.description} (${def.name})\nField: ${field.string} (${name})`,
        );
      if (field.unique && !empty && this.rows(def.name).some((r) => r.id !== row.id && r[name] === v))
        throw validationError(`${def.description}: ${field.string} must be unique (${String(v)} is already used)`);
    }
  }

  /** x2many commands: [0,0,vals] create, [1,id,vals] update, [2,id] delete, [3,id] unlink, [4,id] link, [5] clear, [6,0,ids] set. */
  private commands(value: unknown): unknown[][] {
    if (!Array.isArray(value)) throw valueError(`Invalid x2many value ${JSON.stringify(value)}`);
    return value.map((c) => (typeof c === "number" ? [4, c] : (c as unknown[])));
  }

  private applyO2m(model: string, id: number, field: FieldDef & { type: "one2many" }, value: unknown): void {
    const link = (childId: number, to: number | false) =>
      this.write(field.relation, [childId], { [field.inverse]: to, ...(field.modelField && to ? { [field.modelField]: model } : {}) });
    const children = () => this.rows(field.relation).filter((r) => r[field.inverse] === id).map((r) => r.id);
    for (const [cmd, arg, vals] of this.commands(value)) {
      if (cmd === 0)
        this.create(field.relation, { ...(vals as Vals), [field.inverse]: id, ...(field.modelField ? { [field.modelField]: model } : {}) });
      else if (cmd === 1) this.write(field.relation, [arg as number], vals as Vals);
      else if (cmd === 2) this.unlink(field.relation, [arg as number]);
      else if (cmd === 3) link(arg as number, false);
      else if (cmd === 4) link(arg as number, id);
      else if (cmd === 5) children().forEach((c) => link(c, false));
      else if (cmd === 6) {
        const keep = vals as number[];
        children().filter((c) => !keep.includes(c)).forEach((c) => link(c, false));
        keep.forEach((c) => link(c, id));
      } else throw valueError(`Invalid x2many command ${JSON.stringify(cmd)}`);
    }
  }

  private applyM2m(relation: string, current: number[] = [], value: unknown): number[] {
    let ids = [...current];
    for (const [cmd, arg, vals] of this.commands(value)) {
      if (cmd === 0) ids.push(this.create(relation, vals as Vals));
      else if (cmd === 1) this.write(relation, [arg as number], vals as Vals);
      else if (cmd === 2 || cmd === 3) {
        ids = ids.filter((i) => i !== arg);
        if (cmd === 2) this.unlink(relation, [arg as number]);
      } else if (cmd === 4) ids.push(arg as number);
      else if (cmd === 5) ids = [];
      else if (cmd === 6) ids = [...(vals as number[])];
      else throw valueError(`Invalid x2many command ${JSON.stringify(cmd)}`);
    }
    for (const i of ids) if (!this.row(relation, i)) throw validationError(`${relation}(${i},) does not exist`);
    return [...new Set(ids)];
  }

  nextSequence(code: string): number {
    const n = (this.sequences.get(code) ?? 0) + 1;
    this.sequences.set(code, n);
    return n;
  }

  setXmlid(xmlid: string, model: string, id: number): void {
    this.xmlids.set(xmlid, { model, id });
  }

  /** `env.ref(xmlid).id`; raises like Odoo for an unknown one. */
  ref(xmlid: string, model?: string): number {
    const hit = this.xmlids.get(xmlid);
    if (!hit || (model && hit.model !== model)) throw valueError(`External ID not found in the system: ${xmlid}`);
    return hit.id;
  }

  getParam(key: string): string | undefined {
    const id = this.search("ir.config_parameter", [["key", "=", key]])[0];
    return id === undefined ? undefined : String(this.row("ir.config_parameter", id)!.value);
  }

  setParam(key: string, value: string): void {
    const id = this.search("ir.config_parameter", [["key", "=", key]])[0];
    if (id === undefined) this.create("ir.config_parameter", { key, value });
    else this.write("ir.config_parameter", [id], { value });
  }

  /** Passwords (and API keys, which Odoo accepts in the same place) are not fields anyone can read. */
  setPassword(uid: number, password: string): void {
    this.passwords.set(uid, password);
  }

  checkPassword(uid: number, password: unknown): boolean {
    const user = this.row("res.users", uid);
    return !!user && user.active !== false && this.passwords.get(uid) === password;
  }

  userByLogin(login: string): number | undefined {
    return this.rows("res.users").find((u) => u.login === login)?.id;
  }
}

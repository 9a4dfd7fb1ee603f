import { valueError } from "./errors.js";
import { fieldOf, type FieldDef } from "./schema.js";
import type { OdooStore, Row, Scope } from "./store.js";

/**
 * Odoo domains, evaluated in memory with the ORM's semantics: prefix `&`/`|`/`!` with implicit AND,
 * dotted paths as "some related record matches", NULL-tolerant negative operators.
 */
export type Domain = readonly unknown[];

type Leaf = readonly [string, string, unknown];
type Node =
  | { kind: "and" | "or"; left: Node; right: Node }
  | { kind: "not"; child: Node }
  | { kind: "leaf"; leaf: Leaf }
  | { kind: "const"; value: boolean };

const OPERATORS = new Set([
  "=", "!=", "<>", "in", "not in", "like", "not like", "ilike", "not ilike", "=like", "=ilike",
  "<", "<=", ">", ">=", "child_of", "parent_of", "any", "not any",
]);

export function parseDomain(domain: Domain): Node {
  if (!Array.isArray(domain)) throw valueError(`Invalid domain: ${JSON.stringify(domain)}`);
  let pos = 0;
  const next = (): Node => {
    if (pos >= domain.length) throw valueError(`Invalid domain (missing operand): ${JSON.stringify(domain)}`);
    const token = domain[pos++];
    if (token === "&" || token === "|") {
      const left = next();
      return { kind: token === "&" ? "and" : "or", left, right: next() };
    }
    if (token === "!") return { kind: "not", child: next() };
    return toLeaf(token);
  };
  let node: Node = { kind: "const", value: true };
  while (pos < domain.length) {
    const term = next();
    node = node.kind === "const" ? term : { kind: "and", left: node, right: term };
  }
  return node;
}

function toLeaf(token: unknown): Node {
  if (!Array.isArray(token) || token.length !== 3) throw valueError(`Invalid leaf ${JSON.stringify(token)}`);
  const [path, op, value] = token as [unknown, unknown, unknown];
  // TRUE_LEAF (1, '=', 1) and FALSE_LEAF (0, '=', 1)
  if (typeof path === "number") return { kind: "const", value: path === value };
  if (typeof path !== "string" || typeof op !== "string" || !OPERATORS.has(op.toLowerCase()))
    throw valueError(`Invalid leaf ${JSON.stringify(token)}`);
  return { kind: "leaf", leaf: [path, op.toLowerCase() === "<>" ? "!=" : op.toLowerCase(), value] };
}

/** Odoo adds `('active', '=', True)` unless a leaf names `active` itself. */
export function mentionsField(node: Node, field: string): boolean {
  switch (node.kind) {
    case "and":
    case "or":
      return mentionsField(node.left, field) || mentionsField(node.right, field);
    case "not":
      return mentionsField(node.child, field);
    case "leaf":
      return node.leaf[0] === field;
    case "const":
      return false;
  }
}

/** Every field path a domain names, for the access checks and the call log. */
export function fieldPaths(node: Node): string[] {
  switch (node.kind) {
    case "and":
    case "or":
      return [...fieldPaths(node.left), ...fieldPaths(node.right)];
    case "not":
      return fieldPaths(node.child);
    case "leaf":
      return [node.leaf[0]];
    case "const":
      return [];
  }
}

export class DomainEvaluator {
  constructor(
    private readonly store: OdooStore,
    private readonly scope: Scope,
  ) {}

  matches(model: string, row: Row, node: Node): boolean {
    switch (node.kind) {
      case "and":
        return this.matches(model, row, node.left) && this.matches(model, row, node.right);
      case "or":
        return this.matches(model, row, node.left) || this.matches(model, row, node.right);
      case "not":
        return !this.matches(model, row, node.child);
      case "const":
        return node.value;
      case "leaf":
        return this.leaf(model, row, node.leaf);
    }
  }

  private field(model: string, name: string, leaf: Leaf): FieldDef {
    const def = fieldOf(this.store.model(model), name);
    if (!def) throw valueError(`Invalid field ${model}.${name} in leaf ${JSON.stringify(leaf)}`);
    return def;
  }

  private leaf(model: string, row: Row, leaf: Leaf): boolean {
    const [path, op, value] = leaf;
    const dot = path.indexOf(".");
    const head = dot < 0 ? path : path.slice(0, dot);
    const def = this.field(model, head, leaf);
    const relation = relationOf(def, model, head);
    if (dot >= 0 || op === "any" || op === "not any") {
      if (!relation) throw valueError(`Invalid field ${model}.${path} in leaf ${JSON.stringify(leaf)}`);
      const sub =
        dot >= 0 ? parseDomain([[path.slice(dot + 1), op, value]]) : parseDomain(asDomain(value, leaf));
      const hit = this.relatedRows(model, row, head).some((r) => this.matches(relation, r, sub));
      return op === "not any" ? !hit : hit;
    }
    if (op === "child_of" || op === "parent_of") {
      if (!relation) throw valueError(`${op} needs a relational field: ${JSON.stringify(leaf)}`);
      const family = this.hierarchy(relation, this.idsOf(relation, value), op === "child_of");
      return this.relatedRows(model, row, head).some((r) => family.has(r.id));
    }
    if (relation && head !== "id") return this.relational(model, row, head, def, op, value, relation);
    return compareScalar(this.store.value(model, row, head, this.scope), op, value);
  }

  /** The rows a relational field points at, through the caller's record rules (and active test for x2many). */
  private relatedRows(model: string, row: Row, field: string): Row[] {
    if (field === "id") return [row];
    const related = this.store.value(model, row, field, this.scope);
    const relation = relationOf(fieldOf(this.store.model(model), field)!, model, field)!;
    const ids = Array.isArray(related) ? (related as number[]) : related ? [related as number] : [];
    return ids.flatMap((id) => this.store.row(relation, id) ?? []);
  }

  private relational(model: string, row: Row, field: string, def: FieldDef, op: string, value: unknown, relation: string): boolean {
    const rows = this.relatedRows(model, row, field);
    if (typeof value === "string" || (Array.isArray(value) && value.some((v) => typeof v === "string"))) {
      // A name instead of an id: Odoo name-searches the comodel.
      const names = rows.map((r) => this.store.displayName(relation, r));
      return def.type === "many2one"
        ? compareScalar(names[0] ?? false, op, value)
        : isNegative(op)
          ? names.every((n) => compareScalar(n, op, value))
          : names.some((n) => compareScalar(n, op, value));
    }
    if (def.type === "many2one") return compareScalar(rows[0]?.id ?? false, op, value);
    const ids = rows.map((r) => r.id);
    const wanted = Array.isArray(value) ? value : [value];
    const empty = ids.length === 0;
    switch (op) {
      case "=":
      case "in":
        return wanted.some((v) => (v === false ? empty : ids.includes(v as number)));
      case "!=":
      case "not in":
        return !wanted.some((v) => (v === false ? empty : ids.includes(v as number)));
      default:
        throw valueError(`Operator ${op} is not supported on ${model}.${field}`);
    }
  }

  private idsOf(model: string, value: unknown): number[] {
    const values = Array.isArray(value) ? value : [value];
    return values.flatMap((v) =>
      typeof v === "number"
        ? [v]
        : this.store
            .rows(model)
            .filter((r) => compareScalar(this.store.displayName(model, r), "ilike", v))
            .map((r) => r.id),
    );
  }

  /** `child_of`: the ids and all their descendants; `parent_of`: the ids and all their ancestors. */
  private hierarchy(model: string, ids: number[], down: boolean): Set<number> {
    if (!this.store.model(model).hierarchy) return new Set(ids);
    const family = new Set(ids);
    const queue = [...ids];
    while (queue.length) {
      const id = queue.pop()!;
      const next = down
        ? this.store.rows(model).filter((r) => r.parent_id === id).map((r) => r.id)
        : [this.store.row(model, id)?.parent_id].filter((p): p is number => typeof p === "number");
      for (const n of next.filter((n) => !family.has(n))) {
        family.add(n);
        queue.push(n);
      }
    }
    return family;
  }
}

function asDomain(value: unknown, leaf: Leaf): Domain {
  if (!Array.isArray(value)) throw valueError(`'any' needs a domain: ${JSON.stringify(leaf)}`);
  return value;
}

export function relationOf(def: FieldDef, model: string, name: string): string | undefined {
  if (name === "id") return model;
  return "relation" in def ? def.relation : undefined;
}

const isNegative = (op: string) => op === "!=" || op === "not in" || op.startsWith("not ");
const isEmpty = (v: unknown) => v === false || v === null || v === undefined || v === "";

function likeToRegExp(pattern: string, wrap: boolean, insensitive: boolean): RegExp {
  const body = [...pattern]
    .map((c) => (c === "%" ? ".*" : c === "_" ? "." : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(wrap ? body : `^${body}$`, insensitive ? "is" : "s");
}

export function compareScalar(actual: unknown, op: string, value: unknown): boolean {
  switch (op) {
    case "=":
      return value === false || value === null ? isEmpty(actual) : actual === value;
    case "!=":
      return !compareScalar(actual, "=", value);
    case "in":
      if (!Array.isArray(value)) throw valueError(`The domain term for 'in' needs a list: ${JSON.stringify(value)}`);
      return value.some((v) => compareScalar(actual, "=", v));
    case "not in":
      return !compareScalar(actual, "in", value);
    case "like":
    case "ilike":
    case "=like":
    case "=ilike":
      if (isEmpty(actual)) return false;
      return likeToRegExp(String(value), !op.startsWith("="), op.endsWith("ilike")).test(String(actual));
    case "not like":
    case "not ilike":
      return !compareScalar(actual, op.slice(4), value);
    case "<":
    case "<=":
    case ">":
    case ">=": {
      if (isEmpty(actual) || value === false || value === null) return false;
      const c = (actual as number | string) < (value as number | string) ? -1 : actual === value ? 0 : 1;
      return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
    }
    default:
      throw valueError(`Invalid operator ${op}`);
  }
}

/** `"date desc, id"` → a comparator; NULLs sort last ascending and first descending, as in PostgreSQL. */
export function comparator(store: OdooStore, model: string, order: string, scope: Scope): (a: Row, b: Row) => number {
  const terms = order
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const [name = "", dir = "asc"] = t.split(/\s+/);
      const def = fieldOf(store.model(model), name);
      if (!def || !/^(asc|desc)$/i.test(dir)) throw valueError(`Invalid "order" specified (${order})`);
      return { name, desc: dir.toLowerCase() === "desc", def };
    });
  const key = (row: Row, name: string, def: FieldDef) => {
    const v = store.value(model, row, name, scope);
    if (def.type === "many2one" && typeof v === "number") return store.displayName(def.relation, store.row(def.relation, v)!);
    return isEmpty(v) ? null : (v as string | number | boolean);
  };
  return (a, b) => {
    for (const { name, desc, def } of terms) {
      const x = key(a, name, def);
      const y = key(b, name, def);
      if (x === y) continue;
      const c = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
      return desc ? -c : c;
    }
    return a.id - b.id;
  };
}

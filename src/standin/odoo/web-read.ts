import type { Env, OdooContext } from "./env.js";
import { valueError } from "./errors.js";
import { fieldOf } from "./schema.js";
import type { Vals } from "./store.js";

/** Odoo 18's web_read specification: `{field: {}}` or `{field: {fields: {...}, context, limit, order}}`. */
export type Specification = Record<string, FieldSpec>;
export interface FieldSpec {
  fields?: Specification;
  context?: OdooContext;
  limit?: number;
  order?: string;
}

const uniq = (ids: number[]) => [...new Set(ids)];

/** `web_read`, following odoo/addons/web/models/models.py of 18.0. */
export function webRead(env: Env, model: string, ids: readonly number[], spec: Specification): Vals[] {
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) throw valueError(`Invalid specification ${JSON.stringify(spec)}`);
  const names = Object.keys(spec);
  const values =
    names.length === 0 || (names.length === 1 && names[0] === "id")
      ? env.browse(model, ids, "skip").map((r): Vals => ({ id: r.id }))
      : env.read(model, ids, names, "none");
  const def = env.store.model(model);
  for (const [name, sub] of Object.entries(spec)) {
    const field = fieldOf(def, name);
    if (!field || !sub || !(values[0] && name in values[0])) continue;
    const subEnv = sub.context ? env.withContext(sub.context) : env;
    if (field.type === "many2one") {
      if (!sub.fields) continue;
      const { display_name: withName, ...extra } = sub.fields;
      const targets = uniq(values.map((v) => v[name]).filter((v): v is number => typeof v === "number"));
      const data = new Map(webRead(subEnv, field.relation, targets, extra).map((v) => [v.id as number, v]));
      if (withName)
        for (const [id, v] of data) v.display_name = env.store.displayName(field.relation, env.store.row(field.relation, id)!);
      const idOnly = Object.keys(sub.fields).length === 1 && "id" in sub.fields;
      for (const v of values) if (typeof v[name] === "number") v[name] = idOnly ? v[name] : data.get(v[name] as number);
    } else if (field.type === "one2many" || field.type === "many2many") {
      if (sub.order) {
        const all = uniq(values.flatMap((v) => v[name] as number[]));
        const rank = new Map(subEnv.search(field.relation, [["id", "in", all]], { order: sub.order }).map((id, i) => [id, i]));
        for (const v of values)
          v[name] = (v[name] as number[]).filter((id) => rank.has(id)).sort((a, b) => rank.get(a)! - rank.get(b)!);
      }
      if (!sub.fields) continue;
      const toRead = uniq(values.flatMap((v) => (v[name] as number[]).slice(0, sub.limit ?? undefined)));
      const data = new Map(webRead(subEnv, field.relation, toRead, sub.fields).map((v) => [v.id as number, v]));
      for (const v of values) v[name] = (v[name] as number[]).map((id) => data.get(id) ?? { id });
    }
  }
  return values;
}

/** `web_search_read` → `{length, records}`; `length` is counted only when the page is full. */
export function webSearchRead(
  env: Env,
  model: string,
  domain: unknown[],
  spec: Specification,
  opts: { offset?: number; limit?: number; order?: string; countLimit?: number },
): { length: number; records: Vals[] } {
  const records = webRead(env, model, env.search(model, domain, opts), spec);
  if (!records.length) return { length: 0, records };
  const offset = opts.offset ?? 0;
  const current = records.length + offset;
  const countLimitReached = opts.countLimit !== undefined && opts.countLimit <= current;
  const full = opts.limit !== undefined && records.length === opts.limit;
  const length =
    opts.limit && ((full && !countLimitReached) || env.context.force_search_count)
      ? Math.min(env.search(model, domain).length, opts.countLimit ?? Infinity)
      : current;
  return { length, records };
}

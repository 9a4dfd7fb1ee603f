import type { OdooStore, Row } from "./store.js";

/** The Odoo field types the stand-in's models use. */
export type FieldDef = (
  | { type: "char" | "text" | "html" | "date" | "datetime" | "binary" | "integer" | "boolean" }
  | { type: "selection"; selection: readonly string[] }
  | { type: "many2one"; relation: string }
  /** `inverse` is the comodel's many2one (or integer res_id) back to us; `modelField` narrows a res_id link to our model. */
  | { type: "one2many"; relation: string; inverse: string; modelField?: string }
  | { type: "many2many"; relation: string }
) & {
  string: string;
  required?: boolean;
  unique?: boolean;
  default?: (store: OdooStore) => unknown;
  /** Non-stored computed field: read-only, evaluated on every read. */
  compute?: (store: OdooStore, row: Row) => unknown;
  /** Only administrators may read or write it (the addon puts such fields in a manager group). */
  adminOnly?: boolean;
};

export type Operation = "read" | "write" | "create" | "unlink";

export interface ModelDef {
  name: string;
  description: string;
  fields: Record<string, FieldDef>;
  /** `_order` */
  order: string;
  /** What `display_name` is made of. */
  displayName: (store: OdooStore, row: Row) => string;
  /** ir.model.access for the non-administrator (integration) user; administrators may do everything. */
  userAccess: readonly Operation[];
  /** For the integration user, on a model it may write: which fields (all when absent). */
  userWritable?: (field: string) => boolean;
  /** ir.rule for non-administrators: which rows they may see at all. */
  userRule?: (row: Row) => boolean;
  /** Vals a model's `create` override adds before the row is written. */
  prepareCreate?: (store: OdooStore, vals: Record<string, unknown>) => Record<string, unknown>;
  /** Inherits mail.thread, so message_post/activity_schedule work on it. */
  mailThread?: boolean;
  /** Has `parent_id`, so `child_of`/`parent_of` walk it. */
  hierarchy?: boolean;
}

export type ModelCatalogue = Record<string, ModelDef>;

/** Every Odoo model has these; `write_date` is how a matter tells when it was closed. */
export const MAGIC_FIELDS: Record<string, FieldDef> = {
  id: { type: "integer", string: "ID" },
  display_name: { type: "char", string: "Display Name" },
  create_date: { type: "datetime", string: "Created on" },
  write_date: { type: "datetime", string: "Last Updated on" },
  create_uid: { type: "many2one", relation: "res.users", string: "Created by" },
  write_uid: { type: "many2one", relation: "res.users", string: "Last Updated by" },
};

export function fieldOf(model: ModelDef, name: string): FieldDef | undefined {
  return model.fields[name] ?? MAGIC_FIELDS[name];
}

export function allFieldNames(model: ModelDef): string[] {
  return [...Object.keys(MAGIC_FIELDS), ...Object.keys(model.fields)];
}

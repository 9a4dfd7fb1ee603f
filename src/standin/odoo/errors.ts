/**
 * Odoo's server-side exceptions, as its JSON-RPC layer names them in `error.data.name`.
 * The stand-in throws these from any depth; the RPC layer serialises them exactly like
 * `odoo.http.serialize_exception`.
 */
export type OdooErrorName =
  | "odoo.exceptions.AccessDenied"
  | "odoo.exceptions.AccessError"
  | "odoo.exceptions.MissingError"
  | "odoo.exceptions.UserError"
  | "odoo.exceptions.ValidationError"
  | "builtins.ValueError"
  | "builtins.KeyError"
  | "builtins.TypeError"
  | "builtins.AttributeError"
  | "psycopg2.OperationalError";

export class OdooError extends Error {
  constructor(
    readonly odooName: OdooErrorName,
    message: string,
  ) {
    super(message);
  }
}

export const accessDenied = () => new OdooError("odoo.exceptions.AccessDenied", "Access Denied");
export const accessError = (message: string) => new OdooError("odoo.exceptions.AccessError", message);
export const missingError = (model: string, ids: number[], uid: number) =>
  new OdooError(
    "odoo.exceptions.MissingError",
    `Record does not exist or has been deleted.\n(Record: ${recordsetText(model, ids)}, User: ${uid})`,
  );
export const userError = (message: string) => new OdooError("odoo.exceptions.UserError", message);
export const validationError = (message: string) => new OdooError("odoo.exceptions.ValidationError", message);
export const valueError = (message: string) => new OdooError("builtins.ValueError", message);

/** Python's repr of a recordset, which is what a method returning records answers over JSON-RPC. */
export function recordsetText(model: string, ids: number[]): string {
  return `${model}(${ids.join(", ")}${ids.length === 1 ? "," : ""})`;
}

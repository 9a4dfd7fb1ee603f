/** Odoo answered with an exception: keeps Odoo's exception class name (e.g. `odoo.exceptions.AccessError`). */
export class OdooError extends Error {
  constructor(
    readonly odooName: string,
    message: string,
    readonly debug?: string,
  ) {
    super(`${odooName}: ${message}`);
    this.name = "OdooError";
  }
  get isAccessDenied(): boolean {
    return this.odooName === "odoo.exceptions.AccessDenied";
  }
}

/** Odoo could not be reached or did not answer in time; `sent` says whether the request may have arrived. */
export class OdooUnavailableError extends Error {
  constructor(
    message: string,
    readonly sent: boolean,
  ) {
    super(message);
    this.name = "OdooUnavailableError";
  }
}

/** The integration user's login was refused: a configuration problem, not a passing fault. */
export class OdooLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OdooLoginError";
  }
}

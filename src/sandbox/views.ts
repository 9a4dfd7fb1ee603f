import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";

const VIEWS = join(dirname(fileURLToPath(import.meta.url)), "views");

/**
 * The sandbox's HTML pages. Unlike the prompt and reply templates these produce HTML, so everything
 * is escaped (a client's question is shown back on the page); strict, so a misspelt field fails loudly.
 */
export function pageView(name: string): (model: object) => string {
  const hbs = Handlebars.create();
  return hbs.compile(readFileSync(join(VIEWS, `${name}.hbs`), "utf8"), { strict: true });
}

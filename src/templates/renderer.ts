import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { z } from "zod";

export const LANGUAGES = ["zh-TW", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const BUILT_IN_TEMPLATES = resolve(dirname(fileURLToPath(import.meta.url)), "../../templates");

const labelsSchema = z.object({
  states: z.record(z.string(), z.string()),
  case_types: z.record(z.string(), z.string()),
  keywords: z.record(z.string(), z.array(z.string())),
  /** What a client writes on LINE to turn notices and reminders off or on again. */
  notice_words: z.object({ stop: z.array(z.string()), start: z.array(z.string()) }).optional(),
});
export type Labels = z.output<typeof labelsSchema>;

export class TemplateError extends Error {}

/**
 * Handlebars templates by language, a firm's own folder first and the shipped ones behind it.
 * Strict mode turns a misspelt variable into an error instead of a silent blank in a client's reply;
 * nothing is HTML-escaped here because prompts and replies are plain text (the chatter escapes its own).
 */
export class Templates {
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();
  private readonly labelCache = new Map<Language, Labels>();
  private readonly roots: string[];

  constructor(overrideDir?: string) {
    this.roots = overrideDir ? [resolve(overrideDir), BUILT_IN_TEMPLATES] : [BUILT_IN_TEMPLATES];
  }

  private find(lang: Language, file: string): string {
    for (const root of this.roots) {
      const path = join(root, lang, file);
      if (existsSync(path)) return path;
    }
    throw new TemplateError(`no template ${lang}/${file} in ${this.roots.join(" or ")}`);
  }

  /** `name` is e.g. `prompt/system`, `reply/email`, `fallback/busy`. */
  render(lang: Language, name: string, vars: object): string {
    const key = `${lang}/${name}`;
    let template = this.compiled.get(key);
    if (!template) {
      template = Handlebars.compile(readFileSync(this.find(lang, `${name}.hbs`), "utf8"), { strict: true, noEscape: true });
      this.compiled.set(key, template);
    }
    try {
      return template(vars).trim();
    } catch (err) {
      throw new TemplateError(`template ${key}: ${(err as Error).message}`);
    }
  }

  labels(lang: Language): Labels {
    let labels = this.labelCache.get(lang);
    if (!labels) {
      labels = labelsSchema.parse(JSON.parse(readFileSync(this.find(lang, "labels.json"), "utf8")));
      this.labelCache.set(lang, labels);
    }
    return labels;
  }
}

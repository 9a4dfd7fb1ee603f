const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** What Odoo's Html field makes of a plain `str` body passed to message_post: escaped, in one paragraph. */
export function escapedParagraph(text: string): string {
  return text ? `<p>${escapeHtml(text)}</p>` : "";
}

/** `odoo.tools.plaintext2html`, which the mail gateway applies to a text/plain email. */
export function plaintextToHtml(text: string): string {
  const paragraphs = escapeHtml(text.replace(/\r\n/g, "\n").trim()).split(/\n{2,}/);
  return paragraphs.map((p) => `<p>${p.replace(/\n/g, "<br>")}</p>`).join("");
}

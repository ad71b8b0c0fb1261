/**
 * Escaping for the report page. Every string from a run (document text, model output,
 * personas, file names) is untrusted web content and goes through one of these.
 */

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** For HTML text nodes and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON for a `<script type="application/json">` block. Escaping `<`, `>` and `&` as
 * \uXXXX keeps `</script>` and `<!--` from ending the block, and the line separators
 * U+2028/2029 are escaped for old parsers; JSON.parse restores them all unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/**
 * The page shell: layout, styles, the strict Content-Security-Policy and the embedded data.
 * Section bodies come in as already-safe HTML built with `html`/`table` below.
 */
import { createHash } from "node:crypto";
import { BROWSER_SCRIPT } from "./browser-script.js";
import { escapeHtml, jsonForScript } from "./escape.js";

/** HTML that is already safe to insert (built from escaped parts). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Template tag: interpolated strings are escaped, SafeHtml and arrays of it are not. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new SafeHtml(out);
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join("");
  if (v === undefined || v === null || v === false) return "";
  return escapeHtml(String(v));
}

/** Trusted markup from our own code (chart SVG from vega, which escapes its text). */
export const trusted = (markup: string) => new SafeHtml(markup);

export function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function table(headers: string[], rows: Array<Array<string | number | SafeHtml>>, numericFrom = 1): SafeHtml {
  return html`<table><thead><tr>${headers.map((h, i) => html`<th${i >= numericFrom ? trusted(' class="n"') : ""}>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (r) => html`<tr>${r.map((c, i) => html`<td${i >= numericFrom && typeof c === "number" ? trusted(' class="n"') : ""}>${typeof c === "number" ? fmt(c, Number.isInteger(c) ? 0 : 2) : c}</td>`)}</tr>`,
  )}</tbody></table>`;
}

export function scriptHash(script: string): string {
  return `sha256-${createHash("sha256").update(script, "utf8").digest("base64")}`;
}

export const CSP = `default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src '${scriptHash(BROWSER_SCRIPT)}'; base-uri 'none'; form-action 'none'`;

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2329;background:#fafbfc}
header{background:#1f3a5f;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:2px 0;opacity:.9}
nav a{color:#cfe3ff;margin-right:14px}
main{padding:8px 28px 40px;max-width:1250px}
section{background:#fff;border:1px solid #e3e7eb;border-radius:6px;margin:18px 0;padding:12px 20px}
h2{margin:6px 0 10px;font-size:18px}
h3{margin:14px 0 6px;font-size:15px}
.row{display:flex;flex-wrap:wrap;gap:22px;align-items:flex-start}
.chart svg{max-width:100%;height:auto}
table{border-collapse:collapse;margin:6px 0 10px;font-size:13px}
th,td{border-bottom:1px solid #eceff2;padding:3px 10px 3px 4px;text-align:left;vertical-align:top}
th{background:#f3f5f7}
.n{text-align:right;font-variant-numeric:tabular-nums}
.note{color:#56616b;font-size:12.5px}
.big{font-size:20px;font-weight:600}
.cards{display:flex;gap:16px;flex-wrap:wrap}
.card{border:1px solid #e3e7eb;border-radius:6px;padding:8px 14px;min-width:150px}
#samples table{width:100%}
#samples td.q{max-width:420px}
td.ok{color:#17723b;white-space:nowrap}
td.bad{color:#a32020}
.controls{display:flex;gap:10px;flex-wrap:wrap;align-items:center;margin:6px 0}
.controls input{min-width:280px;padding:4px}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:8px;max-height:320px;overflow:auto;font-size:12.5px}
.loc{font-size:12px;color:#56616b}
`;

export interface PageParts {
  title: string;
  subtitle: SafeHtml;
  nav: Array<[string, string]>;
  sections: SafeHtml[];
  data: unknown;
}

export function renderPage(p: PageParts): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(p.title)}</title>
<style>${STYLE}</style>
</head><body>
<header><h1>${escapeHtml(p.title)}</h1>${p.subtitle.value}
<nav>${p.nav.map(([id, label]) => `<a href="#${escapeHtml(id)}">${escapeHtml(label)}</a>`).join("")}</nav></header>
<main>
${p.sections.map((s) => s.value).join("\n")}
</main>
<script type="application/json" id="report-data">${jsonForScript(p.data)}</script>
<script>${BROWSER_SCRIPT}</script>
</body></html>
`;
}

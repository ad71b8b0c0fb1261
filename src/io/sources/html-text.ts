/**
 * The main text of an HTML page, boilerplate (navigation, headers, footers, sidebars, ads,
 * comment forms) removed: Mozilla Readability, the algorithm behind Firefox Reader View,
 * run on a linkedom DOM (a light, fast DOM for Node; jsdom's current releases need Node 22).
 * The article element is then turned into text with one line per block and a blank line
 * between paragraphs, so that window splitting (src/util/tokens.ts) finds paragraph
 * boundaries, and decoded with the page's own charset.
 */
import { Readability } from "@mozilla/readability";
import { parseHTML } from "linkedom";

export interface MainText {
  title?: string;
  text: string;
}

/** Elements whose content is a paragraph of its own. */
const BLOCKS = new Set([
  "ADDRESS", "ARTICLE", "ASIDE", "BLOCKQUOTE", "DD", "DIV", "DL", "DT", "FIELDSET", "FIGCAPTION", "FIGURE", "FOOTER", "FORM",
  "H1", "H2", "H3", "H4", "H5", "H6", "HEADER", "HR", "LI", "MAIN", "NAV", "OL", "P", "PRE", "SECTION", "TABLE", "TR", "UL",
]);
const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "SVG", "IFRAME", "OBJECT", "BUTTON", "SELECT"]);

/** Readability's article, or undefined when the page has no main text it can find. */
export function mainText(html: string): MainText | undefined {
  const { document } = parseHTML(html);
  const article = new Readability<Node>(document as unknown as Document, { serializer: (node) => node }).parse();
  if (!article?.content) return undefined;
  const text = blockText(article.content);
  if (text === "") return undefined;
  const title = article.title?.replace(/\s+/g, " ").trim() || undefined;
  return { title, text };
}

/** Text with a line break after each block and a blank line between paragraphs. */
export function blockText(root: Node): string {
  const out: string[] = [];
  let line = "";
  const breakLine = (blank: boolean) => {
    const t = line.replace(/[ \t\f\v\u00a0]+/g, " ").trim();
    if (t) out.push(t);
    if (blank && out.length && out[out.length - 1] !== "") out.push("");
    line = "";
  };
  const walk = (node: Node) => {
    if (node.nodeType === 3) {
      line += (node.textContent ?? "").replace(/\s+/g, " ");
      return;
    }
    if (node.nodeType !== 1) return;
    const tag = (node as Element).tagName.toUpperCase();
    if (SKIP.has(tag)) return;
    if (tag === "BR") return breakLine(false);
    if (tag === "PRE") {
      breakLine(true);
      for (const l of (node.textContent ?? "").split("\n")) out.push(l.replace(/\s+$/, ""));
      out.push("");
      return;
    }
    const block = BLOCKS.has(tag);
    if (block) breakLine(tag === "P" || tag.startsWith("H") || tag === "BLOCKQUOTE");
    if (tag === "TD" || tag === "TH") line += " ";
    for (let c = node.firstChild; c; c = c.nextSibling) walk(c);
    if (block) breakLine(tag === "P" || tag.startsWith("H") || tag === "BLOCKQUOTE" || tag === "PRE");
  };
  walk(root);
  breakLine(false);
  while (out.length && out[out.length - 1] === "") out.pop();
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trim();
}

/**
 * The charset to decode a page with: the Content-Type header's, else a <meta> tag's in the
 * first 2 KB, else UTF-8. Unknown names fall back to UTF-8.
 */
export function decodeHtml(bytes: Uint8Array, contentType: string | undefined): string {
  let charset = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? "")?.[1];
  if (!charset) {
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
    charset = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
  }
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes);
  }
}

export function isHtml(contentType: string | undefined): boolean {
  return /^\s*(text\/html|application\/xhtml\+xml)\b/i.test(contentType ?? "");
}

/**
 * Small WARC and WET files of our own, written with warcio's serializer: one of each kind
 * of record a Common Crawl file holds (warcinfo, request, a 200 HTML article, a 404, a
 * redirect, a PDF, a page with no main text; WET conversion records), so that every
 * reason code of the WARC reader is exercised.
 */
import { WARCRecord, WARCSerializer } from "warcio";

const DATE = "2024-05-01T10:00:00Z";

export const ARTICLE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>The Tidal Mill of Woodbridge</title></head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/shop">Shop</a></nav>
<header><div class="logo">Suffolk Heritage</div></header>
<main><article><h1>The Tidal Mill of Woodbridge</h1>
<p>The tide mill at Woodbridge in Suffolk was first recorded in 1170 and the present building dates from 1793. It is one of the few tide mills in England that still has working machinery.</p>
<p>The mill pond, which filled at high tide through a one-way gate, covered about 7.5 acres before it was turned into a marina in the 1960s. Milling stopped in 1957, when the oak shaft broke.</p>
<p>After restoration in 1968 the mill opened to visitors; its waterwheel, 20 feet across, turns again on suitable tides since the last restoration finished in 2011.</p>
</article></main>
<aside><h3>Related</h3><ul><li><a href="/a">Cookie policy</a></li><li><a href="/b">Newsletter</a></li></ul></aside>
<footer>© 2024 Suffolk Heritage. All rights reserved. Privacy | Terms</footer></body></html>`;

const EMPTY_HTML = `<!doctype html><html><head><title>App</title><script>window.boot()</script></head><body><div id="root"></div></body></html>`;

async function record(opts: Parameters<typeof WARCRecord.create>[0], body: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  async function* reader() {
    yield bytes;
  }
  const rec = WARCRecord.create({ warcVersion: "WARC/1.1", date: DATE, ...opts }, reader());
  return WARCSerializer.serialize(rec, { gzip: true });
}

function concat(parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

/** A gzipped WARC (one gzip member per record, as Common Crawl writes them). */
export async function makeWarc(): Promise<Buffer> {
  const http = (status: string, type: string) => ({ statusline: `HTTP/1.1 ${status}`, httpHeaders: { "Content-Type": type } });
  return concat([
    await record({ type: "warcinfo", filename: "test.warc.gz" }, "software: webscale-rl tests\r\n"),
    await record({ type: "request", url: "https://heritage.example/tide-mill", httpHeaders: { Host: "heritage.example" }, statusline: "GET /tide-mill HTTP/1.1" }, ""),
    await record({ type: "response", url: "https://heritage.example/tide-mill", ...http("200 OK", "text/html; charset=utf-8") }, ARTICLE_HTML),
    await record({ type: "response", url: "https://heritage.example/missing", ...http("404 Not Found", "text/html") }, "<html><body>Not found</body></html>"),
    await record({ type: "response", url: "https://heritage.example/old", statusline: "HTTP/1.1 301 Moved Permanently", httpHeaders: { Location: "/tide-mill", "Content-Type": "text/html" } }, ""),
    await record({ type: "response", url: "https://heritage.example/guide.pdf", ...http("200 OK", "application/pdf") }, "%PDF-1.4 binary"),
    await record({ type: "response", url: "https://heritage.example/app", ...http("200 OK", "text/html") }, EMPTY_HTML),
    await record({ type: "metadata", url: "https://heritage.example/tide-mill" }, "fetchTimeMs: 120\r\n"),
  ]);
}

export const WET_TEXT = "Woodbridge tide mill\nThe mill pond covered about 7.5 acres before it became a marina in the 1960s.";

/** A gzipped WET file: warcinfo, two conversion records (one empty). */
export async function makeWet(): Promise<Buffer> {
  return concat([
    await record({ type: "warcinfo", filename: "test.warc.wet.gz" }, "software: webscale-rl tests\r\n"),
    await record({ type: "conversion", url: "https://heritage.example/tide-mill", warcHeaders: { "Content-Type": "text/plain" } }, WET_TEXT),
    await record({ type: "conversion", url: "https://heritage.example/blank", warcHeaders: { "Content-Type": "text/plain" } }, "   \n"),
  ]);
}

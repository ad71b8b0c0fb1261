/**
 * WARC and WET files (Common Crawl), parsed with `warcio` and streamed record by record.
 * WET `conversion` records are already text: taken as they are. WARC `response` records
 * with an HTML page and status 200 become their main text (html-text.ts); other responses
 * are counted rejections with their reason. Requests, warcinfo, metadata and revisit
 * records are not documents and are passed over. Every document and rejection carries the
 * record's index, URL and date in `source`.
 */
import { WARCParser, type WARCRecord } from "warcio";
import type { SourceLocation } from "../../records.js";
import { fileChunks, type ByteSource } from "./byte-stream.js";
import { errorDetail } from "./errors.js";
import { ChangedFileError, isTransient } from "../remote/errors.js";
import type { Compression } from "./formats.js";
import { decodeHtml, isHtml, mainText } from "./html-text.js";
import { inputRejection, readFailure, type SourceItem } from "./record-fields.js";

/** A record larger than this is not read (Common Crawl truncates payloads at 1 MiB anyway). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

export async function* readWarc(file: string, compression: Compression, bytes: ByteSource = file): AsyncGenerator<SourceItem> {
  let index = -1;
  try {
    for await (const record of new WARCParser(fileChunks(bytes, compression))) {
      index++;
      const item = await recordItem(record, file, index);
      if (item) yield item;
    }
  } catch (err) {
    yield readFailure(err, index >= 0 ? { file, record: index } : { file }, index >= 0 ? ` (after record ${index})` : "");
  }
}

async function recordItem(record: WARCRecord, file: string, index: number): Promise<SourceItem | undefined> {
  const type = record.warcType;
  if (type !== "response" && type !== "conversion") return undefined;
  const source: SourceLocation = { file, record: index };
  const url = record.warcTargetURI;
  if (url) source.url = url;
  if (record.warcDate) source.date = record.warcDate;
  const id = (record.warcHeader("WARC-Record-ID") ?? "").replace(/^<|>$/g, "") || undefined;
  if (record.warcContentLength > MAX_RECORD_BYTES) {
    return inputRejection("record_too_large", source, `${record.warcContentLength} bytes, more than ${MAX_RECORD_BYTES}`, id);
  }
  if (type === "conversion") {
    const text = new TextDecoder("utf-8").decode(await record.readFully(false));
    if (text.trim() === "") return inputRejection("empty_text", source, "the WET record holds no text", id);
    return { kind: "doc", doc: { id: id ?? `${file}#${index}`, text, source } };
  }
  // A response without HTTP headers (dns:, ftp:) is not a web page.
  const http = record.httpHeaders;
  if (!http) return undefined;
  const status = Number(http.statusCode);
  if (status !== 200) return inputRejection("http_status", source, `HTTP ${Number.isFinite(status) ? status : http.statusline}`, id);
  const contentType = http.headers.get("content-type") ?? undefined;
  if (!isHtml(contentType)) return inputRejection("not_html", source, `content type ${contentType ?? "(none)"}`, id);
  let main;
  try {
    main = mainText(decodeHtml(await record.readFully(true), contentType));
  } catch (err) {
    // The file itself failing (network, changed) ends the file; a page the extractor chokes on is one rejection.
    if (err instanceof ChangedFileError || isTransient(err)) throw err;
    return inputRejection("no_main_text", source, `extraction failed: ${errorDetail(err)}`, id);
  }
  if (!main) return inputRejection("no_main_text", source, "no main text found (a page of links, a form, or empty)", id);
  const text = main.title && !main.text.startsWith(main.title) ? `${main.title}\n\n${main.text}` : main.text;
  return { kind: "doc", doc: { id: id ?? `${file}#${index}`, text, source } };
}

/**
 * https:// single files (e.g. Common Crawl's data.commoncrawl.org) through Node's fetch:
 * HEAD for size and identity (ETag, else Last-Modified), GET with a Range header for
 * reads. The answer's ETag is compared with the pinned one, so a file replaced during a run
 * is a ChangedFileError. A presigned URL's query string is used to fetch, never shown.
 */
import { ConfigError } from "../../config/load.js";
import { ChangedFileError, HttpStatusError, remoteDetail, statusOf } from "./errors.js";
import { displayUrl, type RemoteLocation } from "./location.js";
import { withRetry, type RetryContext } from "./retry.js";
import type { RemoteObject, RemoteStore } from "./store.js";

function identity(res: Response): string {
  return res.headers.get("etag") ?? res.headers.get("last-modified") ?? "";
}

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get("retry-after");
  if (!v) return undefined;
  const s = Number(v);
  return Number.isFinite(s) ? s * 1000 : undefined;
}

export class HttpsStore implements RemoteStore {
  private warnedNoRanges = new Set<string>();

  constructor(private readonly retry: RetryContext) {}

  async stat(loc: RemoteLocation): Promise<RemoteObject | undefined> {
    const href = loc.url;
    const url = displayUrl(href);
    let res: Response;
    try {
      res = await withRetry(this.retry, "https", `head ${url}`, async (signal) => {
        this.retry.meter.add("https", "requests");
        const r = await fetch(href, { method: "HEAD", signal, redirect: "follow" });
        if (!r.ok && r.status !== 404) throw new HttpStatusError(r.status, url, retryAfterMs(r));
        return r;
      });
    } catch (err) {
      const status = statusOf(err);
      if (status === 401 || status === 403) throw new ConfigError(`${url}: access denied (${status}): the URL needs credentials or its signature has expired`);
      throw new ConfigError(`${url}: cannot reach it: ${remoteDetail(err)}`);
    }
    if (res.status === 404) return undefined;
    const size = Number(res.headers.get("content-length"));
    if (!Number.isFinite(size)) throw new ConfigError(`${url}: the server does not say the file's size (no Content-Length on HEAD)`);
    return { url, size, etag: identity(res) || `size:${size}`, href };
  }

  async read(obj: RemoteObject, start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
    this.retry.meter.add("https", "requests");
    const res = await fetch(obj.href ?? obj.url, { headers: { Range: `bytes=${start}-${end - 1}` }, signal, redirect: "follow" });
    if (res.status === 412) throw new ChangedFileError(obj.url, obj.etag);
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new HttpStatusError(res.status, obj.url, retryAfterMs(res));
    }
    const now = identity(res);
    if (now && !obj.etag.startsWith("size:") && now !== obj.etag) {
      await res.body?.cancel().catch(() => {});
      throw new ChangedFileError(obj.url, obj.etag, now);
    }
    let bytes: Uint8Array;
    if (res.status === 206) bytes = new Uint8Array(await res.arrayBuffer());
    else bytes = await sliceOfWhole(res, start, end, () => this.noRanges(obj.url));
    this.retry.meter.add("https", "bytes", bytes.length);
    return bytes;
  }

  private noRanges(url: string) {
    if (this.warnedNoRanges.has(url)) return;
    this.warnedNoRanges.add(url);
    this.retry.log(`io: ${url}: the server ignores range requests, so every read downloads the file from its start (slow for big files)`);
  }
}

/** A server that answers a range request with the whole file: skip to `start`, keep up to `end`. */
async function sliceOfWhole(res: Response, start: number, end: number, warn: () => void): Promise<Uint8Array> {
  warn();
  const out = new Uint8Array(end - start);
  let pos = 0;
  let filled = 0;
  const reader = res.body!.getReader();
  try {
    while (filled < out.length) {
      const { value, done } = await reader.read();
      if (done) break;
      const from = Math.max(0, start - pos);
      const to = Math.min(value.length, end - pos);
      if (to > from) out.set(value.subarray(from, to), filled), (filled += to - from);
      pos += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return out.subarray(0, filled);
}

/**
 * hf://datasets/ORG/NAME[@REVISION]/PATH through `@huggingface/hub`: the revision is
 * resolved to its commit once, files are listed and read at that commit (a later push to
 * the branch never mixes into a run), and reads are byte ranges of the client's lazy blob
 * (plain HTTP range requests, or the Xet protocol for Xet-backed files). HF_TOKEN opens
 * gated and private datasets; HF_ENDPOINT points at a mirror.
 */
import { datasetInfo, downloadFile, listFiles, pathsInfo, type ListFileEntry, type PathInfo } from "@huggingface/hub";
import { ConfigError } from "../../config/load.js";
import { remoteDetail, statusOf } from "./errors.js";
import { hubUrl, type HubLocation, type RemoteLocation } from "./location.js";
import { withRetry, type RetryContext } from "./retry.js";
import type { ListedObject, RemoteObject, RemoteStore } from "./store.js";

export const DEFAULT_HUB = "https://huggingface.co";

export interface HubSettings {
  endpoint: string;
  token?: string;
}

export function hubSettings(env: NodeJS.ProcessEnv): HubSettings {
  return { endpoint: (env.HF_ENDPOINT || DEFAULT_HUB).replace(/\/+$/, ""), token: env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined };
}

/** A permanent Hub failure, as one line that says what to do. */
export function hubConfigError(err: unknown, repo: string, url: string, settings: HubSettings): ConfigError | undefined {
  const status = statusOf(err);
  const page = `${settings.endpoint}/datasets/${repo}`;
  if (status === 401) {
    return new ConfigError(
      settings.token
        ? `${url}: the Hub refused HF_TOKEN (401): create a new token at ${settings.endpoint}/settings/tokens`
        : `${url}: the Hub wants a token (401): the dataset is private or gated: set HF_TOKEN (a read token from ${settings.endpoint}/settings/tokens)`,
    );
  }
  if (status === 403) return new ConfigError(`${url}: access denied (403): accept the dataset's terms at ${page} with the account of HF_TOKEN, or use a token with read access to it`);
  if (status === 404) {
    return new ConfigError(`${url}: no such dataset or revision on ${settings.endpoint} (404)${settings.token ? "" : "; if it is private, set HF_TOKEN"}`);
  }
  if ((err as { cause?: { code?: string } })?.cause?.code === "ENOTFOUND") return new ConfigError(`${url}: cannot resolve ${settings.endpoint}: check HF_ENDPOINT`);
  return undefined;
}

export class HubStore implements RemoteStore {
  /** repo@revision → commit sha, resolved once per run. */
  private readonly commits = new Map<string, Promise<string>>();
  /** Lazy blobs of files read (one metadata request per file; a blob is a URL and a size, not data). */
  private readonly blobs = new Map<string, Promise<Blob>>();

  constructor(
    private readonly settings: HubSettings,
    private readonly retry: RetryContext,
  ) {}

  /** fetch for the client: counts every request it makes and the bytes it receives. */
  private readonly fetch: typeof fetch = async (input, init) => {
    this.retry.meter.add("hf", "requests");
    return fetch(input, init);
  };

  private creds() {
    return this.settings.token ? { accessToken: this.settings.token } : {};
  }

  private hub(loc: RemoteLocation): HubLocation {
    if (loc.scheme !== "hf") throw new Error(`not an hf:// location: ${loc.url}`);
    return loc;
  }

  private async atListing<T>(loc: HubLocation, what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(this.retry, "hf", what, () => run());
    } catch (err) {
      throw hubConfigError(err, loc.repo, loc.url, this.settings) ?? new ConfigError(`${loc.url}: cannot list: ${remoteDetail(err)}`);
    }
  }

  /** The commit a revision names now; a 40-hex revision is already one. */
  commitOf(loc: HubLocation): Promise<string> {
    const key = `${loc.repo}@${loc.revision ?? ""}`;
    let sha = this.commits.get(key);
    if (!sha) {
      sha = /^[0-9a-f]{40}$/.test(loc.revision ?? "")
        ? Promise.resolve(loc.revision!)
        : this.atListing(loc, `resolve ${loc.repo}@${loc.revision ?? "main"}`, async () => {
            const info = await datasetInfo({ name: loc.repo, revision: loc.revision ?? "main", additionalFields: ["sha"], hubUrl: this.settings.endpoint, fetch: this.fetch, ...this.creds() });
            const s = (info as { sha?: unknown }).sha;
            if (typeof s !== "string") throw new Error(`the Hub did not say which commit ${loc.revision ?? "main"} is`);
            return s;
          });
      this.commits.set(key, sha);
      sha.catch(() => this.commits.delete(key));
    }
    return sha;
  }

  private object(loc: HubLocation, entry: ListFileEntry | PathInfo, sha: string): RemoteObject {
    return { url: hubUrl(loc.repo, loc.revision, entry.path), size: entry.size, etag: entry.lfs?.oid ?? entry.xetHash ?? entry.oid ?? "", version: sha };
  }

  async list(loc: RemoteLocation, prefix: string): Promise<ListedObject[]> {
    const hub = this.hub(loc);
    const sha = await this.commitOf(hub);
    // The tree API lists a folder: start at the prefix's folder, filter by the full prefix.
    const folder = prefix.slice(0, prefix.lastIndexOf("/") + 1).replace(/\/$/, "");
    return this.atListing(hub, `list ${hub.repo}/${folder}`, async () => {
      const out: ListedObject[] = [];
      try {
        for await (const e of listFiles({ repo: { type: "dataset", name: hub.repo }, revision: sha, path: folder || undefined, recursive: true, hubUrl: this.settings.endpoint, fetch: this.fetch, ...this.creds() })) {
          if (e.type === "file" && e.path.startsWith(prefix)) out.push({ path: e.path, obj: this.object(hub, e, sha) });
        }
      } catch (err) {
        // A folder that does not exist lists nothing (the caller says "no input files match").
        if (statusOf(err) === 404 && folder) return out;
        throw err;
      }
      return out;
    });
  }

  async stat(loc: RemoteLocation, path: string): Promise<RemoteObject | undefined> {
    const hub = this.hub(loc);
    const sha = await this.commitOf(hub);
    const infos = await this.atListing(hub, `stat ${hub.repo}/${path}`, () =>
      pathsInfo({ repo: { type: "dataset", name: hub.repo }, paths: [path], revision: sha, hubUrl: this.settings.endpoint, fetch: this.fetch, ...this.creds() }),
    );
    const info = infos.find((i) => i.path === path && i.type === "file");
    return info ? this.object(hub, info, sha) : undefined;
  }

  private blob(obj: RemoteObject): Promise<Blob> {
    let b = this.blobs.get(obj.url);
    if (!b) {
      const { repo, path } = splitHubUrl(obj.url);
      b = downloadFile({ repo: { type: "dataset", name: repo }, path, revision: obj.version, hubUrl: this.settings.endpoint, fetch: this.fetch, ...this.creds() }).then((blob) => {
        if (!blob) throw Object.assign(new Error(`${obj.url} is not in commit ${obj.version}`), { statusCode: 404 });
        return blob;
      });
      this.blobs.set(obj.url, b);
      // A failed lookup, or a signed link that expired, is looked up again on the next attempt.
      b.catch(() => this.blobs.delete(obj.url));
    }
    return b;
  }

  async read(obj: RemoteObject, start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
    const blob = await this.blob(obj);
    signal.throwIfAborted();
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await raceAbort(blob.slice(start, end).arrayBuffer(), signal));
    } catch (err) {
      if (statusOf(err) === 403 || statusOf(err) === 401) this.blobs.delete(obj.url);
      throw err;
    }
    this.retry.meter.add("hf", "bytes", bytes.length);
    return bytes;
  }
}

/** The client's blob reads take no signal: stop waiting when ours fires. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export function splitHubUrl(url: string): { repo: string; revision?: string; path: string } {
  const parts = url.slice("hf://datasets/".length).split("/");
  let name = parts[1];
  let revision: string | undefined;
  const at = name.indexOf("@");
  if (at >= 0) (revision = decodeURIComponent(name.slice(at + 1))), (name = name.slice(0, at));
  return { repo: `${parts[0]}/${name}`, revision, path: parts.slice(2).join("/") };
}

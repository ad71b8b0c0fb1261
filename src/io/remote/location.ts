/**
 * Remote input and output locations, parsed once: `hf://datasets/ORG/NAME[@REV]/PATH`,
 * `s3://BUCKET/KEY`, `https://…`. Everything else is a local path. The parsed form is what
 * the stores take; `url` is the canonical text shown in `source.file`, logs and errors.
 */
import { ConfigError } from "../../config/load.js";

export type RemoteScheme = "hf" | "s3" | "https";

export interface HubLocation {
  scheme: "hf";
  /** `ORG/NAME` of a dataset repository. */
  repo: string;
  /** Branch, tag or commit as given; undefined means the default branch (`main`). */
  revision?: string;
  /** Path inside the repository (may hold glob characters); "" is the repository root. */
  path: string;
  url: string;
}

export interface S3Location {
  scheme: "s3";
  bucket: string;
  /** Key or key pattern; "" is the whole bucket. */
  key: string;
  url: string;
}

export interface HttpsLocation {
  scheme: "https";
  url: string;
}

export type RemoteLocation = HubLocation | S3Location | HttpsLocation;

/** True for the URL forms this module handles (a cheap prefix test, no parsing). */
export function isRemote(path: string): boolean {
  return /^(hf|s3|https?):\/\//i.test(path);
}

export function parseRemote(text: string): RemoteLocation {
  const scheme = text.slice(0, text.indexOf("://")).toLowerCase();
  const rest = text.slice(scheme.length + 3);
  if (scheme === "s3") {
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? "" : rest.slice(slash + 1);
    if (!bucket) throw new ConfigError(`'${text}': an S3 URL names a bucket: s3://BUCKET/PREFIX`);
    return { scheme: "s3", bucket, key, url: `s3://${bucket}/${key}` };
  }
  if (scheme === "hf") return parseHub(text, rest);
  if (scheme === "https" || scheme === "http") {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new ConfigError(`'${text}' is not a valid URL`);
    }
    return { scheme: "https", url: url.href };
  }
  throw new ConfigError(`'${text}': unsupported URL scheme (supported: hf://datasets/..., s3://..., https://...)`);
}

function parseHub(text: string, rest: string): HubLocation {
  const parts = rest.split("/");
  if (parts[0] !== "datasets" || parts.length < 3 || !parts[1] || !parts[2]) {
    throw new ConfigError(`'${text}': a Hub URL names a dataset: hf://datasets/ORG/NAME[@REVISION]/PATH`);
  }
  const org = parts[1];
  let name = parts[2];
  let revision: string | undefined;
  const at = name.indexOf("@");
  if (at >= 0) {
    // A revision with a slash (refs/convert/parquet) is written URL-encoded, as huggingface_hub does.
    revision = decodeURIComponent(name.slice(at + 1));
    name = name.slice(0, at);
    if (!revision) throw new ConfigError(`'${text}': empty revision after '@'`);
  }
  const path = parts.slice(3).join("/");
  const repo = `${org}/${name}`;
  return { scheme: "hf", repo, revision, path, url: hubUrl(repo, revision, path) };
}

export function hubUrl(repo: string, revision: string | undefined, path: string): string {
  return `hf://datasets/${repo}${revision ? "@" + encodeURIComponent(revision) : ""}/${path}`;
}

/**
 * A URL as it may be shown (logs, `source.file`, errors, run.json): the query string of an
 * https URL is dropped, because presigned URLs carry their signature there.
 */
export function displayUrl(text: string): string {
  if (!/^https?:\/\//i.test(text)) return text;
  const q = text.indexOf("?");
  return q < 0 ? text : text.slice(0, q);
}

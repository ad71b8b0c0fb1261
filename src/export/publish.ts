/**
 * Publishing a finished export folder where the data is used: an S3 prefix, or a dataset
 * repository on the Hugging Face Hub (its card, README.md, included). Both are checked
 * before any work (credentials, access, a token with write access), both resume: an S3
 * object already holding the same bytes (its sha256 in the object's metadata) is not sent
 * again, and the Hub skips every LFS file it already stores (content-addressed), so a push
 * cut by a fault or a kill sends only what is missing when run again.
 */
import { createHash } from "node:crypto";
import { EXPORT_MANIFEST } from "./staging.js";
import { createReadStream, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { createRepo, uploadFiles, whoAmI } from "@huggingface/hub";
import { ConfigError } from "../config/load.js";
import { remoteDetail, statusOf } from "../io/remote/errors.js";
import { hubConfigError, hubSettings, type HubSettings } from "../io/remote/hub.js";
import { IoMeter } from "../io/remote/io-stats.js";
import { parseRemote, type S3Location } from "../io/remote/location.js";
import { DEFAULT_RETRY, withRetry, type RetryContext, type RetryPolicy } from "../io/remote/retry.js";
import { makeS3Client, s3ConfigError } from "../io/remote/s3.js";

export interface PublishOptions {
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
  policy?: Partial<RetryPolicy>;
}

export interface Published {
  /** Where the files went (s3://… or the dataset's page). */
  where: string;
  sent: string[];
  /** Files already there with the same bytes (a resumed publish). */
  skipped: string[];
  /** Hub commit, when pushing to the Hub. */
  commit?: string;
}

function retryContext(opts: PublishOptions): RetryContext {
  return { policy: { ...DEFAULT_RETRY, ...opts.policy }, meter: new IoMeter(), log: opts.log ?? ((m) => process.stderr.write(m + "\n")) };
}

/** Every file below a folder, as paths relative to it with '/' separators, sorted. */
export function filesBelow(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * The files an export publishes: every file below its folder except the local bookkeeping,
 * export.json (its status and times say how the folder was written, not what the dataset is)
 * and lock files.
 */
export function publishedFiles(dir: string): string[] {
  return filesBelow(dir).filter((rel) => rel !== EXPORT_MANIFEST && !rel.split("/").pop()!.startsWith(".lock-"));
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

// --- S3 ---------------------------------------------------------------------------------

export interface S3Target {
  loc: S3Location;
  client: S3Client;
  retry: RetryContext;
  env: NodeJS.ProcessEnv;
}

/** Checks that the bucket can be reached with the credentials in use; call before any work. */
export async function openS3Target(url: string, opts: PublishOptions = {}): Promise<S3Target> {
  const loc = parseRemote(url);
  if (loc.scheme !== "s3") throw new ConfigError(`--out ${url}: only s3:// URLs are written to remotely`);
  const env = opts.env ?? process.env;
  const client = makeS3Client(env);
  const retry = retryContext(opts);
  const prefix = loc.key && !loc.key.endsWith("/") ? loc.key + "/" : loc.key;
  try {
    await withRetry(retry, "s3", `list ${loc.url}`, (abortSignal) => client.send(new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: prefix }), { abortSignal }));
  } catch (err) {
    client.destroy();
    throw s3ConfigError(err, loc.url, env) ?? new ConfigError(`${loc.url}: cannot reach the bucket: ${remoteDetail(err)}`);
  }
  return { loc: { ...loc, key: prefix }, client, retry, env };
}

/** Uploads every file of `dir` under the target prefix; files already there with the same sha256 are skipped. */
export async function publishToS3(dir: string, target: S3Target): Promise<Published> {
  const { loc, client, retry } = target;
  const sent: string[] = [];
  const skipped: string[] = [];
  try {
    for (const rel of publishedFiles(dir)) {
      const local = join(dir, rel);
      const key = loc.key + rel;
      const sha256 = await sha256File(local);
      const existing = await withRetry(retry, "s3", `head s3://${loc.bucket}/${key}`, async (abortSignal) => {
        try {
          return await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: key }), { abortSignal });
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      });
      if (existing?.Metadata?.sha256 === sha256 && existing.ContentLength === statSync(local).size) {
        skipped.push(rel);
        continue;
      }
      await withRetry(retry, "s3", `upload s3://${loc.bucket}/${key}`, async (abortSignal) => {
        // Multipart for big files (parts of 16 MiB, four at a time), one PUT for small ones.
        const upload = new Upload({ client, params: { Bucket: loc.bucket, Key: key, Body: createReadStream(local), Metadata: { sha256 } }, partSize: 16 * 1024 * 1024, queueSize: 4 });
        abortSignal.addEventListener("abort", () => void upload.abort(), { once: true });
        await upload.done();
      });
      sent.push(rel);
    }
  } catch (err) {
    throw new Error(`upload to ${loc.url} stopped: ${remoteDetail(err)}; run the same command again to send the rest`);
  } finally {
    client.destroy();
  }
  return { where: `s3://${loc.bucket}/${loc.key}`, sent, skipped };
}

// --- Hugging Face Hub --------------------------------------------------------------------

export interface HubTarget {
  repo: string;
  private: boolean;
  settings: HubSettings & { token: string };
  retry: RetryContext;
}

/** Checks the token (present, accepted) before any work: a push without one fails here with what to do. */
export async function openHubTarget(repo: string, isPrivate: boolean, opts: PublishOptions = {}): Promise<HubTarget> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo)) throw new ConfigError(`--push-to-hub ${repo}: name the dataset as ORG/NAME`);
  const settings = hubSettings(opts.env ?? process.env);
  if (!settings.token) {
    throw new ConfigError(`--push-to-hub needs a Hugging Face token with write access: set HF_TOKEN (create one at ${settings.endpoint}/settings/tokens)`);
  }
  const retry = retryContext(opts);
  try {
    await withRetry(retry, "hf", "whoami", () => whoAmI({ accessToken: settings.token!, hubUrl: settings.endpoint }));
  } catch (err) {
    if (statusOf(err) === 401) throw new ConfigError(`--push-to-hub: the Hub refused HF_TOKEN (401): create a token with write access at ${settings.endpoint}/settings/tokens`);
    throw new ConfigError(`--push-to-hub: cannot reach ${settings.endpoint}: ${remoteDetail(err)}`);
  }
  return { repo, private: isPrivate, settings: { ...settings, token: settings.token }, retry };
}

/** One commit with every file of `dir` (the dataset card README.md included); resumes by content. */
export async function publishToHub(dir: string, target: HubTarget, title: string): Promise<Published> {
  const { repo, settings, retry } = target;
  const page = `${settings.endpoint}/datasets/${repo}`;
  const creds = { accessToken: settings.token, hubUrl: settings.endpoint };
  try {
    await withRetry(retry, "hf", `create ${repo}`, async () => {
      try {
        await createRepo({ repo: { type: "dataset", name: repo }, private: target.private, ...creds });
      } catch (err) {
        if (statusOf(err) !== 409) throw err; // 409: it exists already, which is fine
      }
    });
    const rels = publishedFiles(dir);
    const files = rels.map((rel) => ({ path: rel, content: pathToFileURL(join(dir, rel)) }));
    const out = await withRetry(retry, "hf", `push to ${repo}`, () => uploadFiles({ repo: { type: "dataset", name: repo }, files, commitTitle: title, ...creds }));
    return { where: page, sent: rels, skipped: [], commit: out?.commit.oid };
  } catch (err) {
    // 403 on a push is a token without write access; hubConfigError's text is about reading.
    if (statusOf(err) === 403) {
      throw new ConfigError(`--push-to-hub ${repo}: access denied (403): HF_TOKEN needs write access to ${repo} (a write token, or a fine-grained one allowed to write to that org): ${settings.endpoint}/settings/tokens`);
    }
    const config = hubConfigError(err, repo, `--push-to-hub ${repo}`, settings);
    if (config && statusOf(err) !== 404) throw config;
    throw new Error(`push to ${page} stopped: ${remoteDetail(err)}; run the same command again: files the Hub already holds are not sent twice`);
  }
}

/**
 * s3:// through the AWS SDK (`@aws-sdk/client-s3`): the standard credential chain (env keys,
 * AWS_PROFILE, SSO, container and instance roles), AWS_REGION, and AWS_ENDPOINT_URL for
 * S3-compatible stores (MinIO, R2, GCS's S3 interface, Ceph), which get path-style
 * addressing. Files are pinned by ETag: a read sends If-Match and checks the answer's ETag,
 * so an object overwritten during a run is a ChangedFileError, never silently mixed.
 */
import { GetObjectCommand, ListObjectsV2Command, HeadObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { ConfigError } from "../../config/load.js";
import { ChangedFileError, remoteDetail, statusOf } from "./errors.js";
import type { RemoteLocation, S3Location } from "./location.js";
import { withRetry, type RetryContext } from "./retry.js";
import type { ListedObject, RemoteObject, RemoteStore } from "./store.js";

/** The endpoint of an S3-compatible store, when one is configured (AWS's own S3 otherwise). */
export function s3Endpoint(env: NodeJS.ProcessEnv): string | undefined {
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

export function makeS3Client(env: NodeJS.ProcessEnv): S3Client {
  // The SDK warns on every start that releases after January 2027 need Node 22; this pinned release supports Node 20.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const endpoint = s3Endpoint(env);
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? "us-east-1" : undefined);
  const config: S3ClientConfig = {
    // Retries are ours (retry.ts), so that every retry is counted and logged the same way.
    maxAttempts: 1,
    followRegionRedirects: true,
  };
  if (region) config.region = region;
  // Keys given in `env` (the process environment in a run) are used as they are; without
  // them the SDK's default chain looks further (AWS_PROFILE, SSO, container and instance roles).
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    config.credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, sessionToken: env.AWS_SESSION_TOKEN || undefined };
  }
  if (endpoint) {
    config.endpoint = endpoint;
    // MinIO and most S3-compatible stores want bucket names in the path, not the host name.
    config.forcePathStyle = true;
    // Their servers do not all understand the aws-chunked checksum trailers newer SDKs send by default.
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return new S3Client(config);
}

/** A permanent S3 failure at listing time, as one line that says what to do. */
export function s3ConfigError(err: unknown, url: string, env: NodeJS.ProcessEnv): ConfigError | undefined {
  const name = (err as { name?: string })?.name ?? "";
  const status = statusOf(err);
  const where = s3Endpoint(env) ? ` at ${s3Endpoint(env)}` : "";
  if (name === "CredentialsProviderError" || /Could not load credentials/i.test(String((err as Error)?.message))) {
    return new ConfigError(
      `${url}: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run where an instance/container role provides them`,
    );
  }
  if (/Region is missing/i.test(String((err as Error)?.message))) return new ConfigError(`${url}: no AWS region configured: set AWS_REGION (e.g. us-east-1)`);
  if (name === "NoSuchBucket") return new ConfigError(`${url}: no such bucket${where}: check the bucket name${s3Endpoint(env) ? "" : " (for MinIO, R2 or GCS set AWS_ENDPOINT_URL)"}`);
  if (name === "InvalidAccessKeyId" || name === "SignatureDoesNotMatch" || name === "ExpiredToken" || name === "InvalidToken") {
    return new ConfigError(`${url}: the S3 server refused the credentials (${name})${where}: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or AWS_PROFILE`);
  }
  if (name === "AccessDenied" || status === 403 || status === 401) {
    return new ConfigError(`${url}: access denied${where}: the credentials in use need s3:ListBucket and s3:GetObject on this bucket`);
  }
  if (name === "PermanentRedirect" || status === 301) return new ConfigError(`${url}: the bucket is in another region: set AWS_REGION to its region`);
  if ((err as { code?: string })?.code === "ENOTFOUND") return new ConfigError(`${url}: cannot resolve the S3 endpoint's host name${where}: check AWS_ENDPOINT_URL`);
  return undefined;
}

export class S3Store implements RemoteStore {
  constructor(
    private readonly client: S3Client,
    private readonly retry: RetryContext,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private s3(loc: RemoteLocation): S3Location {
    if (loc.scheme !== "s3") throw new Error(`not an s3:// location: ${loc.url}`);
    return loc;
  }

  /** A request at listing time: permanent failures become configuration errors. */
  private async listing<T>(url: string, what: string, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await withRetry(this.retry, "s3", what, (signal) => {
        this.retry.meter.add("s3", "requests");
        return send(signal);
      });
    } catch (err) {
      throw s3ConfigError(err, url, this.env) ?? new ConfigError(`${url}: cannot list: ${remoteDetail(err)}`);
    }
  }

  async list(loc: RemoteLocation, prefix: string): Promise<ListedObject[]> {
    const { bucket, url } = this.s3(loc);
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.listing(url, `list s3://${bucket}/${prefix}`, (abortSignal) =>
        this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key || o.Key.endsWith("/")) continue;
        out.push({ path: o.Key, obj: { url: `s3://${bucket}/${o.Key}`, size: Number(o.Size ?? 0), etag: o.ETag ?? "" } });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async stat(loc: RemoteLocation, path: string): Promise<RemoteObject | undefined> {
    const { bucket } = this.s3(loc);
    const url = `s3://${bucket}/${path}`;
    try {
      const head = await withRetry(this.retry, "s3", `head ${url}`, (abortSignal) => {
        this.retry.meter.add("s3", "requests");
        return this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: path }), { abortSignal });
      });
      return { url, size: Number(head.ContentLength ?? 0), etag: head.ETag ?? "" };
    } catch (err) {
      // HEAD has no body, so a missing key is only a bare 404 (the bucket may still be missing: the listing tells).
      if (statusOf(err) === 404 && (err as { name?: string }).name !== "NoSuchBucket") return undefined;
      throw s3ConfigError(err, url, this.env) ?? new ConfigError(`${url}: cannot read its metadata: ${remoteDetail(err)}`);
    }
  }

  async read(obj: RemoteObject, start: number, end: number, signal: AbortSignal): Promise<Uint8Array> {
    const { bucket, key } = splitS3Url(obj.url);
    this.retry.meter.add("s3", "requests");
    let res;
    try {
      res = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}`, IfMatch: obj.etag || undefined }),
        { abortSignal: signal },
      );
    } catch (err) {
      if ((err as { name?: string }).name === "PreconditionFailed" || statusOf(err) === 412) throw new ChangedFileError(obj.url, obj.etag);
      throw err;
    }
    // Some S3-compatible servers ignore If-Match: compare the answer's ETag too.
    if (obj.etag && res.ETag && res.ETag !== obj.etag) {
      res.Body?.transformToWebStream().cancel().catch(() => {});
      throw new ChangedFileError(obj.url, obj.etag, res.ETag);
    }
    const bytes = res.Body ? await res.Body.transformToByteArray() : new Uint8Array(0);
    this.retry.meter.add("s3", "bytes", bytes.length);
    return bytes;
  }
}

export function splitS3Url(url: string): { bucket: string; key: string } {
  const rest = url.slice("s3://".length);
  const slash = rest.indexOf("/");
  return { bucket: rest.slice(0, slash), key: rest.slice(slash + 1) };
}

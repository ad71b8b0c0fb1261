/**
 * The contract every remote store (Hub, S3, HTTPS) fulfils, so that readers, expansion and
 * resume know nothing of the protocol behind a URL. A store makes one request per call;
 * retries, read-ahead and counting of retries live above it (retry.ts, remote-io.ts).
 */
import type { RemoteLocation } from "./location.js";

/** A remote file and the identity this run reads: the same bytes every time, or a ChangedFileError. */
export interface RemoteObject {
  /** Canonical URL as shown in `source.file` (no query string). */
  url: string;
  size: number;
  /** S3 ETag, the Hub's file oid (LFS sha256 / xet hash / git oid), or an HTTP ETag / Last-Modified. */
  etag: string;
  /** S3 VersionId (versioned buckets) or the Hub commit sha the file is read at. */
  version?: string;
  /** For https:// only: the URL to fetch, with its query string (a presigned URL's signature); never shown. */
  href?: string;
}

/** A file found by a listing: its path inside the bucket or repository, and the object. */
export interface ListedObject {
  path: string;
  obj: RemoteObject;
}

export interface RemoteStore {
  /**
   * Every file whose path starts with `prefix` (recursively). Absent for stores that cannot
   * list (https). Throws a ConfigError with what to do when the bucket or repository cannot
   * be listed (credentials, access, missing bucket or repository).
   */
  list?(loc: RemoteLocation, prefix: string): Promise<ListedObject[]>;
  /** One file, or undefined when there is no such file. */
  stat(loc: RemoteLocation, path: string): Promise<RemoteObject | undefined>;
  /** Bytes [start, end) of the pinned object, in one request; a ChangedFileError when it changed. */
  read(obj: RemoteObject, start: number, end: number, signal: AbortSignal): Promise<Uint8Array>;
}

/** The longest literal prefix of a pattern (before its first glob character), and whether it has one. */
export function globPrefix(pattern: string): { prefix: string; isGlob: boolean } {
  const i = pattern.search(/[*?[{]/);
  if (i < 0) return { prefix: pattern, isGlob: false };
  return { prefix: pattern.slice(0, i), isGlob: true };
}

/** Sorted by code unit, like local expansion, so order is the same everywhere. */
export function sortObjects(objects: RemoteObject[]): RemoteObject[] {
  return objects.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}

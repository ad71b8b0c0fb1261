/**
 * Turns one parsed record (a JSON line or a Parquet row) into a Doc or an input
 * rejection: text at the configured field, id (or a hash of the text), and URL.
 * Shared by every structured reader so the rules live once.
 */
import type { Doc, Rejection, SourceLocation } from "../../records.js";
import { shortHash } from "../../util/hash.js";
import { ChangedFileError, remoteDetail, statusOf } from "../remote/errors.js";
import { errorDetail } from "./errors.js";

export interface FieldOptions {
  textField: string;
  idField: string;
}

/**
 * A document, or a bad record with its rejection. `readError` marks the rejection that ends a
 * file which could not be read to its end (a truncated .gz, a vanished file): the file is then
 * not done, and the next run reads it again.
 */
const MAX_FIELDS_LISTED = 30;

export type SourceItem = { kind: "doc"; doc: Doc } | { kind: "bad"; rejection: Rejection; readError?: true };

/** A field by name, or by dotted path (`metadata.content`) when no key has the literal name. */
export function getField(record: Record<string, unknown>, path: string): unknown {
  if (path in record) return record[path];
  if (!path.includes(".")) return undefined;
  let value: unknown = record;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function inputRejection(reason: string, source: SourceLocation, detail?: string, docId?: string): SourceItem {
  const rejection: Rejection = { kind: "input", stage: "input", reason: `input.${reason}`, source };
  if (detail !== undefined) rejection.detail = detail;
  if (docId !== undefined) rejection.doc_id = docId;
  return { kind: "bad", rejection };
}

/**
 * A file that could not be read to its end: `input.changed_file` when a remote file no longer
 * has the identity this run pinned, else `input.unreadable_file`; `at` says where reading stopped.
 */
export function readFailure(err: unknown, source: SourceLocation, at = ""): SourceItem {
  // An HTTP failure says its status and the server's error name; a local one its system code.
  const item =
    err instanceof ChangedFileError
      ? inputRejection("changed_file", source, err.message + at)
      : inputRejection("unreadable_file", source, (statusOf(err) !== undefined ? remoteDetail(err) : errorDetail(err)) + at);
  // The file is then not done: the next run reads it again (and reports a changed one again).
  return { ...(item as { kind: "bad"; rejection: Rejection }), readError: true };
}

/** `source` carries file and line or row; the URL is added here when the record has one. */
export function recordToItem(record: unknown, source: SourceLocation, opts: FieldOptions): SourceItem {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    const what = record === null ? "null" : Array.isArray(record) ? "an array" : typeof record;
    return inputRejection("not_an_object", source, `expected a JSON object, got ${what}`);
  }
  const obj = record as Record<string, unknown>;
  const rawId = getField(obj, opts.idField);
  const ownId = idString(rawId);
  const text = getField(obj, opts.textField);
  if (typeof text !== "string") {
    const detail =
      text === undefined ? `no "${opts.textField}" field` : `"${opts.textField}" is ${text === null ? "null" : typeof text}, not a string`;
    const item = inputRejection("missing_text", withUrl(source, obj, ownId), detail, ownId) as { kind: "bad"; rejection: Rejection };
    // The fields the record has: a wrong --text-field is then plain to see (and the run can name them).
    item.rejection.data = { fields: Object.keys(obj).slice(0, MAX_FIELDS_LISTED) };
    return item;
  }
  if (text.trim() === "") return inputRejection("empty_text", withUrl(source, obj, ownId), `"${opts.textField}" is empty`, ownId);
  const id = ownId ?? "h:" + shortHash(text);
  return { kind: "doc", doc: { id, text, source: withUrl(source, obj, id) } };
}

function idString(value: unknown): string | undefined {
  if (typeof value === "string") return value === "" ? undefined : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  // Parquet INT64 columns decode to bigint.
  if (typeof value === "bigint") return value.toString();
  return undefined;
}

function withUrl(source: SourceLocation, obj: Record<string, unknown>, id: string | undefined): SourceLocation {
  const url = urlOf(obj, id);
  return url === undefined ? source : { ...source, url };
}

function urlOf(obj: Record<string, unknown>, id: string | undefined): string | undefined {
  const direct = obj.url;
  if (typeof direct === "string" && direct !== "") return direct;
  for (const key of ["metadata", "meta"]) {
    const nested = obj[key];
    if (nested !== null && typeof nested === "object") {
      const url = (nested as Record<string, unknown>).url;
      if (typeof url === "string" && url !== "") return url;
    }
  }
  // Dolma and DCLM use the page URL as the document id.
  if (id !== undefined && (id.startsWith("http://") || id.startsWith("https://"))) return id;
  return undefined;
}

/**
 * Input sources: every supported file kind streamed as documents or input rejections.
 * The orchestrator calls `expandInputSpecs` once (configuration errors surface there) and
 * then iterates `readSources`; bad input never throws, it is yielded as `{kind:"bad"}`.
 * Local paths and remote URLs (hf://, s3://, https://) go through the same readers.
 */
import { formatOf, SUPPORTED_FORMATS } from "./formats.js";
import { readJsonl } from "./jsonl.js";
import { readParquet } from "./parquet.js";
import { readTextFile } from "./text-file.js";
import { inputRejection, readFailure, type SourceItem } from "./record-fields.js";
import type { ByteSource, RemoteSource } from "./byte-stream.js";
import { displayUrl, isRemote } from "../remote/location.js";
import { RemoteIO } from "../remote/remote-io.js";
import type { RemoteObject } from "../remote/store.js";

export { expandInputs, expandInputSpecs } from "../expand-inputs.js";
export { SUPPORTED_FORMATS, SUPPORTED_SUFFIXES, formatOf } from "./formats.js";
export type { SourceItem } from "./record-fields.js";

/**
 * One input file, optionally restricted to a slice (the queue's chunk jobs):
 * lines are 1-based `[fromLine, toLine)` for JSONL, rows 0-based `[fromRow, toRow)` for Parquet.
 */
export interface InputSpec {
  path: string;
  fromLine?: number;
  toLine?: number;
  /** For an uncompressed JSONL slice: the byte offset where `fromLine` starts (set by `queue submit`). */
  fromByte?: number;
  fromRow?: number;
  toRow?: number;
  /** A remote file's identity as listed: it is read at exactly this ETag/version (see docs/inputs.md, "Resume"). */
  pin?: RemoteObject;
  /** Set when the file changed after part of it was processed: it is not read, one `input.changed_file` rejection says why. */
  changed?: string;
}

export interface SourceOptions {
  /** Field holding the document text; dotted paths (`metadata.content`) reach nested fields. */
  textField: string;
  /** Field holding the document id; a string or number. Missing → `h:` + hash of the text. */
  idField: string;
  /** Remote I/O (stores, retries, counters) for hf://, s3:// and https:// inputs; default: one from the environment. */
  io?: RemoteIO;
}

export async function* readSources(inputs: (string | InputSpec)[], opts: SourceOptions): AsyncGenerator<SourceItem> {
  let io = opts.io;
  for (const input of inputs) {
    const spec: InputSpec = typeof input === "string" ? { path: input } : input;
    if (isRemote(spec.path)) io ??= new RemoteIO();
    yield* readOne(spec, { ...opts, io });
  }
}

async function* readOne(spec: InputSpec, opts: SourceOptions): AsyncGenerator<SourceItem> {
  const file = displayUrl(spec.path);
  const info = formatOf(file);
  if (!info) {
    yield inputRejection("unreadable_file", { file }, `unsupported format: supported formats are ${SUPPORTED_FORMATS}`);
    return;
  }
  if (spec.changed) {
    yield inputRejection("changed_file", { file }, spec.changed);
    return;
  }
  let remote: RemoteSource | undefined;
  if (isRemote(spec.path)) {
    try {
      remote = { io: opts.io!, obj: spec.pin ?? (await opts.io!.stat(spec.path)) };
    } catch (err) {
      yield readFailure(err, { file });
      return;
    }
  }
  const bytes: ByteSource = remote ?? spec.path;
  switch (info.format) {
    case "jsonl":
      yield* readJsonl(file, info.compression, spec, opts, bytes);
      return;
    case "parquet":
      yield* readParquet(file, spec, opts, remote);
      return;
    case "text":
      yield* readTextFile(file, info.compression, bytes);
      return;
    case "warc": {
      // The WARC parser and the HTML extractor load only when a WARC file is read.
      const { readWarc } = await import("./warc.js");
      yield* readWarc(file, info.compression, bytes);
      return;
    }
  }
}

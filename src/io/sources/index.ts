/**
 * Input sources: every supported file kind streamed as documents or input rejections.
 * The orchestrator calls `expandInputs` once (configuration errors surface there) and
 * then iterates `readSources`; bad input never throws, it is yielded as `{kind:"bad"}`.
 */
import { formatOf, SUPPORTED_FORMATS } from "./formats.js";
import { readJsonl } from "./jsonl.js";
import { readParquet } from "./parquet.js";
import { readTextFile } from "./text-file.js";
import { inputRejection, type SourceItem } from "./record-fields.js";

export { expandInputs } from "../expand-inputs.js";
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
  fromRow?: number;
  toRow?: number;
}

export interface SourceOptions {
  /** Field holding the document text; dotted paths (`metadata.content`) reach nested fields. */
  textField: string;
  /** Field holding the document id; a string or number. Missing → `h:` + hash of the text. */
  idField: string;
}

export async function* readSources(inputs: (string | InputSpec)[], opts: SourceOptions): AsyncGenerator<SourceItem> {
  for (const input of inputs) {
    const spec: InputSpec = typeof input === "string" ? { path: input } : input;
    yield* readOne(spec, opts);
  }
}

function readOne(spec: InputSpec, opts: SourceOptions): AsyncGenerator<SourceItem> {
  const info = formatOf(spec.path);
  if (!info) return single(inputRejection("unreadable_file", { file: spec.path }, `unsupported format: supported formats are ${SUPPORTED_FORMATS}`));
  switch (info.format) {
    case "jsonl":
      return readJsonl(spec.path, info.compression, spec, opts);
    case "parquet":
      return readParquet(spec.path, spec, opts);
    case "text":
      return readTextFile(spec.path, info.compression);
  }
}

async function* single(item: SourceItem): AsyncGenerator<SourceItem> {
  yield item;
}

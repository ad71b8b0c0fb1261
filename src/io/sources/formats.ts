/**
 * Which reader handles a file, decided by its name alone (no sniffing), so that
 * `expandInputs` can reject an unsupported file before any work starts.
 */
export type InputFormat = "jsonl" | "parquet" | "text" | "warc";
export type Compression = "none" | "gzip" | "zstd";

export interface FormatInfo {
  format: InputFormat;
  compression: Compression;
}

const JSONL_EXTS = [".jsonl", ".json", ".ndjson"];
const TEXT_EXTS = [".txt", ".md", ".markdown"];
/** WARC (crawl responses, HTML) and WET (Common Crawl's extracted text, `*.warc.wet.gz`). */
const WARC_EXTS = [".warc", ".wet"];

/** Human-readable list for error messages and docs. */
export const SUPPORTED_FORMATS =
  ".jsonl, .json, .ndjson (optionally .gz or .zst), .parquet, .txt, .md, .markdown, .warc, .wet (optionally .gz)";

/** Every accepted file-name ending; used to pick files inside directories. */
export const SUPPORTED_SUFFIXES: string[] = [
  ...JSONL_EXTS.flatMap((e) => [e, e + ".gz", e + ".zst"]),
  ".parquet",
  ...TEXT_EXTS.flatMap((e) => [e, e + ".gz"]),
  ...WARC_EXTS.flatMap((e) => [e, e + ".gz"]),
];

export function formatOf(path: string): FormatInfo | undefined {
  let name = path.toLowerCase();
  let compression: Compression = "none";
  if (name.endsWith(".gz")) {
    compression = "gzip";
    name = name.slice(0, -3);
  } else if (name.endsWith(".zst")) {
    compression = "zstd";
    name = name.slice(0, -4);
  }
  if (JSONL_EXTS.some((e) => name.endsWith(e))) return { format: "jsonl", compression };
  if (name.endsWith(".parquet") && compression === "none") return { format: "parquet", compression };
  if (TEXT_EXTS.some((e) => name.endsWith(e)) && compression !== "zstd") return { format: "text", compression };
  if (WARC_EXTS.some((e) => name.endsWith(e)) && compression !== "zstd") return { format: "warc", compression };
  return undefined;
}

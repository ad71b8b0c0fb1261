/**
 * Reading benchmark files (JSONL or Parquet) into the texts decontamination compares
 * against. Which fields hold the benchmark's text depends on its layout: presets name
 * them for common benchmarks, `auto` takes every known text field a row has.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { gunzipSync, brotliDecompressSync } from "node:zlib";
import { decompress as zstdDecompress } from "fzstd";
import { parquetReadObjects, type Compressors } from "hyparquet";
import { CurateConfigError, type BenchmarkSpec } from "./options.js";

export const BENCHMARK_PRESETS: Record<string, string[]> = {
  gsm8k: ["question"],
  math: ["problem", "context"],
  mmlu: ["query", "question"],
  triviaqa: ["question", "context"],
  arc: ["query"],
  humaneval: ["prompt"],
  jeopardy: ["context"],
};
/** `auto`: every one of these a row has (answers are left out: they are not the item's text). */
export const AUTO_FIELDS = ["question", "problem", "query", "prompt", "context"];
export const PRESET_NAMES = [...Object.keys(BENCHMARK_PRESETS), "auto"];

export interface BenchmarkText {
  /** 0-based item (line or row) index in the file. */
  item: number;
  field: string;
  text: string;
}

export interface LoadedBenchmark {
  name: string;
  path: string;
  fields: string[];
  items: number;
  /** Lines that were not JSON objects or had none of the fields. */
  badItems: number;
  texts: BenchmarkText[];
}

export function fieldsFor(spec: BenchmarkSpec): string[] | "auto" {
  if (spec.fields && spec.fields.length > 0) return spec.fields;
  const preset = spec.preset ?? "auto";
  if (preset === "auto") return "auto";
  const fields = BENCHMARK_PRESETS[preset];
  if (!fields) throw new CurateConfigError(`benchmark ${spec.path}: unknown preset "${preset}" (known: ${PRESET_NAMES.join(", ")})`);
  return fields;
}

/**
 * Removes evaluation-harness scaffolding so short items keep only their own words:
 * a leading "Question:" label, a Jeopardy-style upper-case category label, and a trailing
 * "Answer:" / "Choices" block.
 */
export function stripScaffold(text: string): string {
  return text
    .replace(/\n\s*(?:answer|choices|options)\b[\s\S]*$/iu, "")
    .replace(/^\s*(?:question|q)\s*:\s*/iu, "")
    .replace(/^[A-Z0-9][A-Z0-9 &'".,!?()-]+:\s+/u, "")
    .trim();
}

const COMPRESSORS: Compressors = {
  ZSTD: (input, outputLength) => zstdDecompress(input, new Uint8Array(outputLength)),
  GZIP: (input) => new Uint8Array(gunzipSync(input)),
  BROTLI: (input) => new Uint8Array(brotliDecompressSync(input)),
};

async function readRows(path: string): Promise<{ rows: unknown[]; bad: number }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new CurateConfigError(`cannot read benchmark file ${path}: ${(e as Error).message}`);
  }
  if (/\.parquet$/i.test(path)) {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    try {
      return { rows: await parquetReadObjects({ file, compressors: COMPRESSORS }), bad: 0 };
    } catch (e) {
      throw new CurateConfigError(`benchmark ${path} is not a readable Parquet file: ${(e as Error).message}`);
    }
  }
  const rows: unknown[] = [];
  let bad = 0;
  for (const line of bytes.toString("utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      rows.push(JSON.parse(line));
    } catch {
      rows.push(undefined);
      bad++;
    }
  }
  return { rows, bad };
}

export async function loadBenchmark(spec: BenchmarkSpec): Promise<LoadedBenchmark> {
  const wanted = fieldsFor(spec);
  const { rows } = await readRows(spec.path);
  const texts: BenchmarkText[] = [];
  const seenFields = new Set<string>();
  let badItems = 0;
  rows.forEach((row, item) => {
    if (!row || typeof row !== "object") {
      badItems++;
      return;
    }
    const rec = row as Record<string, unknown>;
    let found = false;
    for (const field of wanted === "auto" ? AUTO_FIELDS : wanted) {
      const v = rec[field];
      if (typeof v !== "string" || v.trim() === "") continue;
      found = true;
      seenFields.add(field);
      texts.push({ item, field, text: stripScaffold(v) });
    }
    if (!found) badItems++;
  });
  if (texts.length === 0) {
    const tried = wanted === "auto" ? AUTO_FIELDS : wanted;
    throw new CurateConfigError(
      `benchmark ${spec.path}: no row has a text in the fields ${tried.join(", ")}; name the right ones with --benchmark-fields ${basename(spec.path)}=FIELD[,FIELD]`,
    );
  }
  return { name: basename(spec.path), path: spec.path, fields: [...seenFields], items: rows.length, badItems, texts };
}

/**
 * Reading: source files → the units to process or record, in input order. Every rule about
 * what a run reads lives here: files done in an earlier session are skipped whole, units in
 * the ledger are skipped one by one, a shard keeps its own documents, --limit counts source
 * records, the prefilter and the windowing (--max-doc-tokens, --max-windows) decide each
 * document's units, and a wrong --text-field stops the run (text-field-check.ts).
 *
 * The reader knows nothing of concurrency or files written: it yields work; the caller stops
 * pulling to stop reading.
 */
import type { RunConfig } from "../config/schema.js";
import type { Doc, Rejection } from "../records.js";
import { readSources, type InputSpec, type SourceItem } from "../io/sources/index.js";
import { displayUrl } from "../io/remote/location.js";
import type { RemoteIO } from "../io/remote/remote-io.js";
import { prefilter } from "../stages/prefilter.js";
import { fnv1a32 } from "../util/hash.js";
import { estimateTokens } from "../util/tokens.js";
import type { FileProgress } from "./file-progress.js";
import { TextFieldWatch } from "./text-field-check.js";
import { unitKey, windowsOf } from "./units.js";

/** One unit to record: a rejection as it is, or a document (or window) to process first. */
export type WorkItem = {
  /** The ledger key. */
  key: string;
  file: string;
  /** The unit that carries its source record's count (the first of a document's units). */
  first: boolean;
  /** The document's units beyond the first. */
  extraWindows: number;
} & ({ rejection: Rejection } | { doc: Doc });

export function inShard(docId: string, shard: RunConfig["shard"]): boolean {
  return !shard || fnv1a32(docId) % shard.count === shard.index;
}

/**
 * How an input is named in `filesDone`: a whole file by its label (source.file: a URL without
 * its query), a queue chunk's slice by its range.
 */
export const inputKey = (i: string | InputSpec) => {
  if (typeof i === "string") return displayUrl(i);
  const whole = i.fromLine === undefined && i.fromRow === undefined && i.toLine === undefined && i.toRow === undefined;
  return whole ? displayUrl(i.path) : `${i.path}#${i.fromLine ?? i.fromRow ?? ""}-${i.toLine ?? i.toRow ?? ""}`;
};

/** Bad records kept back at a file's start while the text field is in question, at most. */
const MAX_HELD = 10_000;

export async function* readUnits(
  inputs: (string | InputSpec)[],
  config: RunConfig,
  finished: ReadonlySet<string>,
  files: FileProgress,
  io?: RemoteIO,
): AsyncGenerator<WorkItem> {
  const todo = inputs.filter((i) => !(inputKey(i) in files.done));
  const watch = new TextFieldWatch(config.textField);
  let seen = files.recordsDoneBefore;
  let current: string | undefined;
  let fullyRead = true;
  let held: SourceItem[] = [];

  function* unitsOf(item: SourceItem): Generator<WorkItem> {
    const file = item.kind === "doc" ? item.doc.source.file : item.rejection.source.file;
    files.record(file);
    seen++;
    if (item.kind === "bad") {
      const key = `bad:${unitKey(item.rejection)}`;
      // A bad line has no document id: its location picks the one shard that records it.
      if (!inShard(key, config.shard) || finished.has(key)) return;
      yield { key, file, first: true, extraWindows: 0, rejection: item.rejection };
      return;
    }
    const doc = item.doc;
    if (!inShard(doc.id, config.shard)) return;
    const tokens = estimateTokens(doc.text);
    const pre = prefilter(doc, config.prefilter, tokens);
    if (pre) {
      const key = unitKey(doc);
      if (!finished.has(key)) yield { key, file, first: true, extraWindows: 0, rejection: pre };
      return;
    }
    const { units, rest } = windowsOf(doc, config.maxDocTokens, config.docOverflow, config.maxWindows, tokens);
    const n = units.length + (rest ? 1 : 0);
    for (let i = 0; i < units.length; i++) {
      const key = unitKey(doc, n > 1 ? i : undefined);
      if (!finished.has(key)) yield { key, file, first: i === 0, extraWindows: n - 1, doc: units[i]! };
    }
    if (rest) {
      const key = unitKey(doc, units.length);
      if (!finished.has(key)) yield { key, file, first: false, extraWindows: n - 1, rejection: rest };
    }
  }

  const limitReached = () => config.limit !== undefined && seen >= config.limit;

  /** The held records, then `item`; false once --limit is reached. */
  function* release(item?: SourceItem): Generator<WorkItem, boolean> {
    const batch = item ? [...held, item] : held;
    held = [];
    for (const it of batch) {
      if (limitReached()) return false;
      yield* unitsOf(it);
    }
    return true;
  }

  let stoppedEarly = true;
  try {
    for await (const item of readSources(todo, { textField: config.textField, idField: config.idField, io })) {
      const file = item.kind === "doc" ? item.doc.source.file : item.rejection.source.file;
      if (file !== current) {
        if (current !== undefined) {
          watch.endFile();
          if (!(yield* release())) return;
          files.end(current, fullyRead);
        }
        current = file;
        fullyRead = true;
      }
      if (item.kind === "bad" && item.readError) fullyRead = false;
      if (watch.see(item) === "hold" && held.length < MAX_HELD) {
        held.push(item);
        continue;
      }
      if (!(yield* release(item))) return;
    }
    if (current !== undefined) {
      watch.endFile();
      if (!(yield* release())) return;
      files.end(current, fullyRead);
      current = undefined;
    }
    stoppedEarly = false;
  } finally {
    // Stopped (--limit, a signal, an error): the file being read is not done.
    if (stoppedEarly && current !== undefined) files.end(current, false);
  }
}

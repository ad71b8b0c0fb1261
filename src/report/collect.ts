/**
 * One streaming pass over a run directory that keeps only what the report shows: counts,
 * length histograms, and bounded, seeded samples (for the map and the sample browser).
 * Memory stays bounded by the sample caps, not by the run's size.
 */
import { existsSync, readFileSync } from "node:fs";
import { jsonlLines, readDocumentRecords, readQa, readRejections, readStats, runPaths, type RecordParseError } from "../io/run-dir.js";
import type { QaRecord, Rejection, SourceLocation, Stats } from "../records.js";
import { Reservoir, seededRandom } from "../util/random.js";
import type { PassRateBand } from "../curate/difficulty.js";
import { PassRateCollector } from "./pass-rates.js";

/** open-r1's pass-rate filter keeps 0.1 < mean < 0.9: the report shows that band unless told otherwise. */
export const DEFAULT_BAND: PassRateBand = { min: 0.1, max: 0.9 };

/** One row of the sample browser, with short keys because up to ~25k of them are embedded. */
export interface TableRow {
  /** "a" accepted, "r" rejected. */
  s: "a" | "r";
  d: string;
  p: string;
  t: string;
  q: string;
  a: string;
  /** Rejection reason code. */
  r?: string;
  /** Rejection detail (the model's short reason, the parse error). */
  x?: string;
  /** doc_id, the key into the embedded passages. */
  doc?: string;
  /** Source location, printed. */
  loc: string;
}

export interface MapPoint {
  question: string;
  /** Domain for this run's points; the file's name for --compare points. */
  group: string;
  dataset: "run" | "compare";
}

export interface CollectOptions {
  seed: number;
  maxMapPoints: number;
  maxTableRows: number;
  /** Cap on rejected rows in the table (they come on top of the accepted sample). */
  maxRejectedRows: number;
  /** Characters of source passage kept per document. */
  passageChars: number;
  /** The learnable band the report shows (default: the band a curate kept, else 0.1–0.9). */
  passRateBand?: PassRateBand;
}

export interface Collected {
  stats?: Stats;
  run?: Record<string, unknown>;
  accepted: number;
  domains: Map<string, number>;
  personas: Map<string, number>;
  personasByDomain: Map<string, Map<string, number>>;
  answerTypes: Map<string, number>;
  /** Word count → questions (the last bucket holds everything longer). */
  questionWords: Map<number, number>;
  answerWords: Map<number, number>;
  /** Model-per-stage combinations seen on accepted records. */
  modelSets: Map<string, number>;
  rejectionsByReason: Map<string, number>;
  rejectedRecords: number;
  /** Bad lines in the run's own files, with the first few locations. */
  badLines: number;
  badExamples: string[];
  mapSample: MapPoint[];
  /** Accepted pairs per domain, before sampling (for the map's caption). */
  tableRows: TableRow[];
  tableRowsTotal: { accepted: number; rejected: number };
  passages: Record<string, string>;
  documentsWithText: number;
  /** Pass rates of the pairs that were rolled out. */
  passRates: PassRateCollector;
  /** Where the band came from: "--pass-rate-band", "curate --pass-rate" or "default". */
  bandSource: string;
}

const QUESTION_WORD_CAP = 100;
const ANSWER_WORD_CAP = 30;

export function locationText(src: SourceLocation): string {
  let s = src.file;
  if (src.line !== undefined) s += `:${src.line}`;
  if (src.row !== undefined) s += ` row ${src.row}`;
  if (src.window) s += ` (window ${src.window.index + 1}/${src.window.count})`;
  if (src.url) s += ` ${src.url}`;
  return s;
}

export function wordCount(text: string): number {
  const m = text.trim().match(/\S+/g);
  return m ? m.length : 0;
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** A passage around the first place the answer occurs, so the evidence is in view. */
export function passageAround(text: string, answer: string | undefined, chars: number): string {
  if (text.length <= chars) return text;
  let at = answer && answer.length >= 2 ? text.toLowerCase().indexOf(answer.toLowerCase()) : -1;
  if (at < 0) at = 0;
  const start = Math.max(0, Math.min(at - Math.floor(chars / 3), text.length - chars));
  return (start > 0 ? "… " : "") + text.slice(start, start + chars) + (start + chars < text.length ? " …" : "");
}

function readRunJson(dir: string): Record<string, unknown> | undefined {
  const p = runPaths(dir).run;
  if (!existsSync(p)) return undefined;
  try {
    const v = JSON.parse(readFileSync(p, "utf8"));
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function collectRun(dir: string, opts: CollectOptions): Promise<Collected> {
  if (!existsSync(dir)) throw new Error(`run directory not found: ${dir}`);
  const paths = runPaths(dir);
  if (!existsSync(paths.qa) && !existsSync(paths.stats)) throw new Error(`${dir} is not a run directory (no qa/ folder and no stats.json)`);
  const random = seededRandom(opts.seed);
  const run = readRunJson(dir);
  const curatedBand = (run?.options as { difficulty?: PassRateBand } | undefined)?.difficulty;
  const band = opts.passRateBand ?? (curatedBand ? { min: curatedBand.min, max: curatedBand.max } : DEFAULT_BAND);
  // A stats.json that does not match the schema is reported, not fatal: the records still tell most of the story.
  let stats: Stats | undefined;
  let statsProblem: string | undefined;
  try {
    stats = await readStats(dir);
  } catch (e) {
    statsProblem = `${paths.stats}: unreadable (${(e as Error).message.slice(0, 200)})`;
  }
  const c: Collected = {
    stats,
    run,
    accepted: 0,
    domains: new Map(),
    personas: new Map(),
    personasByDomain: new Map(),
    answerTypes: new Map(),
    questionWords: new Map(),
    answerWords: new Map(),
    modelSets: new Map(),
    rejectionsByReason: new Map(),
    rejectedRecords: 0,
    badLines: statsProblem ? 1 : 0,
    badExamples: statsProblem ? [statsProblem] : [],
    mapSample: [],
    tableRows: [],
    tableRowsTotal: { accepted: 0, rejected: 0 },
    passages: {},
    documentsWithText: 0,
    passRates: new PassRateCollector(band),
    bandSource: opts.passRateBand ? "--pass-rate-band" : curatedBand ? "curate --pass-rate" : "default",
  };
  const onBad = (e: RecordParseError) => {
    c.badLines++;
    if (c.badExamples.length < 5) c.badExamples.push(e.message.slice(0, 300));
  };

  // Per-domain reservoirs so every domain can be given its share of the map afterwards.
  const mapByDomain = new Map<string, Reservoir<string>>();
  const acceptedRows = new Reservoir<{ rec: QaRecord }>(opts.maxTableRows, random);
  for await (const rec of readQa(dir, onBad)) {
    c.accepted++;
    bump(c.domains, rec.domain);
    bump(c.personas, rec.persona);
    let pd = c.personasByDomain.get(rec.domain);
    if (!pd) c.personasByDomain.set(rec.domain, (pd = new Map()));
    bump(pd, rec.persona);
    bump(c.answerTypes, rec.answer_type);
    bump(c.questionWords, Math.min(wordCount(rec.question), QUESTION_WORD_CAP));
    bump(c.answerWords, Math.min(wordCount(rec.answer), ANSWER_WORD_CAP));
    if (c.modelSets.size < 50) bump(c.modelSets, JSON.stringify(rec.models));
    let res = mapByDomain.get(rec.domain);
    if (!res) mapByDomain.set(rec.domain, (res = new Reservoir<string>(opts.maxMapPoints, random)));
    res.add(rec.question);
    acceptedRows.add({ rec });
    c.passRates.add(rec);
  }
  c.mapSample = stratify(mapByDomain, opts.maxMapPoints);

  const rejectedRows = new Reservoir<Rejection>(opts.maxRejectedRows, random);
  for await (const rej of readRejections(dir, onBad)) {
    c.rejectedRecords++;
    bump(c.rejectionsByReason, rej.reason);
    rejectedRows.add(rej);
  }

  c.tableRowsTotal = { accepted: acceptedRows.seen, rejected: rejectedRows.seen };
  const rows: TableRow[] = acceptedRows.items.map(({ rec }) => ({
    s: "a",
    d: rec.domain,
    p: rec.persona,
    t: rec.answer_type,
    q: rec.question,
    a: rec.answer,
    doc: rec.doc_id,
    loc: locationText(rec.source),
  }));
  for (const rej of rejectedRows.items) {
    rows.push({
      s: "r",
      d: rej.pair?.domain ?? "",
      p: rej.pair?.persona ?? "",
      t: rej.pair?.answer_type ?? "",
      q: rej.pair?.question ?? `(${rej.kind} rejected before a question was written)`,
      a: rej.pair?.answer ?? "",
      r: rej.reason,
      x: [rej.detail, rej.raw ? `model output: ${rej.raw.slice(0, 600)}` : undefined].filter(Boolean).join("\n") || undefined,
      doc: rej.doc_id,
      loc: locationText(rej.source),
    });
  }
  c.tableRows = rows;

  // Second pass, documents: keep a passage only for documents a table row points at.
  const wanted = new Map<string, string | undefined>();
  for (const r of rows) if (r.doc && !wanted.has(r.doc)) wanted.set(r.doc, r.a || undefined);
  if (wanted.size > 0) {
    for await (const doc of readDocumentRecords(dir, onBad)) {
      if (!wanted.has(doc.doc_id) || c.passages[doc.doc_id] !== undefined) continue;
      c.passages[doc.doc_id] = passageAround(doc.text, wanted.get(doc.doc_id), opts.passageChars);
      c.documentsWithText++;
    }
  }
  return c;
}

/**
 * Splits the map's budget over domains: proportional to size, but every domain gets at
 * least min(its size, 50) points so small domains stay visible.
 */
export function stratify(byDomain: Map<string, Reservoir<string>>, budget: number): MapPoint[] {
  const total = [...byDomain.values()].reduce((s, r) => s + r.seen, 0);
  if (total === 0) return [];
  const floor = Math.min(50, Math.floor(budget / Math.max(1, byDomain.size)));
  const quota = new Map<string, number>();
  for (const [d, r] of byDomain) quota.set(d, Math.min(r.items.length, Math.max(floor, Math.floor((budget * r.seen) / total))));
  // Trim the largest quotas if the floors pushed us over budget.
  let over = [...quota.values()].reduce((s, n) => s + n, 0) - budget;
  while (over > 0) {
    const [d, n] = [...quota.entries()].sort((a, b) => b[1] - a[1])[0];
    const cut = Math.min(over, Math.max(1, n - floor));
    quota.set(d, n - cut);
    over -= cut;
  }
  const out: MapPoint[] = [];
  for (const [d, r] of [...byDomain.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    for (const q of r.items.slice(0, quota.get(d))) out.push({ question: q, group: d, dataset: "run" });
  }
  return out;
}

/** Questions from any JSONL file with a `question` field, sampled; bad lines counted. */
export async function collectCompare(file: string, cap: number, seed: number): Promise<{ points: MapPoint[]; read: number; bad: number }> {
  if (!existsSync(file)) throw new Error(`--compare file not found: ${file}`);
  const name = file.split(/[\\/]/).pop() ?? file;
  const res = new Reservoir<string>(cap, seededRandom(seed ^ 0x5bd1e995));
  let bad = 0;
  for await (const { text } of jsonlLines([file])) {
    try {
      const v = JSON.parse(text) as { question?: unknown };
      if (typeof v?.question === "string" && v.question.trim() !== "") res.add(v.question);
      else bad++;
    } catch {
      bad++;
    }
  }
  return { points: res.items.map((q) => ({ question: q, group: `compare: ${name}`, dataset: "compare" })), read: res.seen, bad };
}

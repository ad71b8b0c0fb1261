/**
 * What a reviewer looks at: the kept pairs of a run or curated directory (`qa/`) and, on
 * request, its rejected pairs (`rejected/`), each with the passage of its source document
 * that holds the evidence. Streams the directory once for pairs (keeping only the sample)
 * and once for the documents the sample needs.
 */
import { jsonlLines, listParts, readDocumentRecords, runPaths } from "../io/run-dir.js";
import { QaRecord, Rejection, type SourceLocation } from "../records.js";
import type { z } from "zod";
import { fnv1a32, shortHash } from "../util/hash.js";
import { locationText, passageAround } from "../report/collect.js";

export interface ReviewItem {
  id: string;
  /** `kept`: the verifier accepted it (qa/); `rejected`: it is in rejected/ with `reason`. */
  status: "kept" | "rejected";
  question: string;
  answer: string;
  aliases: string[];
  answer_type: string;
  domain: string;
  persona: string;
  persona_focus?: string;
  doc_id?: string;
  /** The verifier's flags for kept pairs. */
  checks?: Record<string, boolean>;
  /** Why it was rejected, and the model's short reason when there is one. */
  reason?: string;
  detail?: string;
  /** Share of policy rollouts that solved it, when the record carries `pass_rate`. */
  pass_rate?: number;
  location: string;
  /** About `PASSAGE_CHARS` of the source document around the evidence; absent when the run kept no text. */
  passage?: string;
  /** [start, end) character ranges of the passage where the answer or an alias stands. */
  evidence: Array<[number, number]>;
}

export const PASSAGE_CHARS = 1500;

/**
 * The id a rejected pair is reviewed under: its own when the rejection carries one
 * (curation rejections do), else a hash of where it came from and what it says. Curate and
 * export compute the same id to find the decision.
 */
export function rejectedPairId(r: Rejection): string | undefined {
  if (r.kind !== "pair" || !r.pair) return undefined;
  return r.pair.id ?? `r:${shortHash(r.doc_id ?? "", r.pair.persona ?? "", r.pair.question, r.pair.answer)}`;
}

export interface LoadOptions {
  /** Kept pairs to draw (stratified by domain); undefined = all. */
  sample?: number;
  /** Rejected pairs: 0 = none, undefined = all, n = a stratified sample of n. */
  rejected?: number;
  seed?: number;
  /** Keep only these ids (the summary needs just the reviewed pairs). */
  onlyIds?: Set<string>;
  /** Read documents/ for passages (default true). */
  passages?: boolean;
}

export interface LoadedItems {
  items: ReviewItem[];
  /** How many there were to draw from. */
  keptTotal: number;
  rejectedTotal: number;
  /** Lines that could not be read, "file:line: why". */
  bad: string[];
}

type Draft = Omit<ReviewItem, "passage" | "evidence" | "location"> & { source: SourceLocation };

interface Entry<T> {
  key: number;
  item: T;
  /** Position in the stream: the sample is shown in the directory's own order. */
  order: number;
}

/**
 * A seeded sample stratified by domain. Each candidate gets a key, a hash of the seed and
 * its id; a domain keeps its `size` smallest keys (bounded memory: at most twice the
 * budget per domain), and the budget is shared out in proportion to the domains' sizes
 * (largest remainders), so the sample's shares equal the set's and its acceptance share
 * estimates the whole set's without weights.
 */
export class StratifiedSampler<T extends { id: string; domain: string }> {
  private readonly byDomain = new Map<string, { n: number; kept: Array<Entry<T>> }>();
  private order = 0;

  constructor(private readonly budget: number | undefined, private readonly seed: number) {}

  add(item: T): void {
    let d = this.byDomain.get(item.domain);
    if (!d) this.byDomain.set(item.domain, (d = { n: 0, kept: [] }));
    d.n++;
    d.kept.push({ key: fnv1a32(`${this.seed}\u0000${item.id}`), item, order: this.order++ });
    if (this.budget !== undefined && d.kept.length > 2 * Math.max(this.budget, 1)) this.trim(d.kept, this.budget);
  }

  private trim(kept: Array<Entry<T>>, size: number): void {
    kept.sort((a, b) => a.key - b.key || (a.item.id < b.item.id ? -1 : 1));
    kept.length = Math.min(kept.length, size);
  }

  get total(): number {
    let n = 0;
    for (const d of this.byDomain.values()) n += d.n;
    return n;
  }

  /** The sample, in the order the items were read (a reviewer sees a run's own order). */
  draw(): T[] {
    const total = this.total;
    const out: Array<Entry<T>> = [];
    if (this.budget === undefined || this.budget >= total) {
      for (const d of this.byDomain.values()) out.push(...d.kept);
    } else {
      const domains = [...this.byDomain.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const quotas = domains.map(([name, d]) => ({ name, d, exact: (this.budget! * d.n) / total, take: Math.floor((this.budget! * d.n) / total) }));
      let left = this.budget - quotas.reduce((a, q) => a + q.take, 0);
      const byRemainder = [...quotas].sort((a, b) => b.exact - b.take - (a.exact - a.take) || (a.name < b.name ? -1 : 1));
      for (const q of byRemainder) {
        if (left === 0) break;
        q.take++;
        left--;
      }
      for (const q of quotas) {
        this.trim(q.d.kept, q.take);
        out.push(...q.d.kept);
      }
    }
    return out.sort((a, b) => a.order - b.order).map((e) => e.item);
  }
}

function passRate(raw: unknown): number | undefined {
  const v = (raw as { pass_rate?: unknown }).pass_rate;
  return typeof v === "number" && v >= 0 && v <= 1 ? v : undefined;
}

/** Where the answer or an alias stands in the passage (case-insensitive, non-overlapping). */
export function evidenceRanges(passage: string, needles: string[]): Array<[number, number]> {
  const hay = passage.toLowerCase();
  const ranges: Array<[number, number]> = [];
  for (const n of needles) {
    const needle = n.trim().toLowerCase();
    // One- and two-letter answers ("5", "no") would light up half the passage: not evidence.
    if (needle.length < 2 && !/^\d$/.test(needle)) continue;
    for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + needle.length)) {
      const end = at + needle.length;
      // Whole words only where the needle starts or ends with a letter or digit: "12" is not in "2012".
      const before = at > 0 ? hay[at - 1] : " ";
      const after = end < hay.length ? hay[end] : " ";
      if (/[\p{L}\p{N}]/u.test(needle[0]) && /[\p{L}\p{N}]/u.test(before)) continue;
      if (/[\p{L}\p{N}]/u.test(needle[needle.length - 1]) && /[\p{L}\p{N}]/u.test(after)) continue;
      ranges.push([at, end]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] < last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/** The records of JSONL parts that parse and match `schema`; every other line goes to `bad` with its place. */
async function* parsedRecords<T>(files: string[], schema: z.ZodType<T>, what: string, bad: string[]): AsyncGenerator<{ raw: unknown; record: T }> {
  for await (const { file, line, text } of jsonlLines(files)) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      bad.push(`${file}:${line}: not valid JSON`);
      continue;
    }
    const p = schema.safeParse(raw);
    if (!p.success) bad.push(`${file}:${line}: not ${what}`);
    else yield { raw, record: p.data };
  }
}

export async function loadReviewItems(dir: string, opts: LoadOptions = {}): Promise<LoadedItems> {
  const seed = opts.seed ?? 42;
  const bad: string[] = [];
  const kept = new StratifiedSampler<Draft>(opts.sample, seed);
  for await (const { raw, record: r } of parsedRecords(listParts(runPaths(dir).qa), QaRecord, "a QA record", bad)) {
    if (opts.onlyIds && !opts.onlyIds.has(r.id)) continue;
    kept.add({
      id: r.id,
      status: "kept",
      question: r.question,
      answer: r.answer,
      aliases: r.aliases ?? [],
      answer_type: r.answer_type,
      domain: r.domain,
      persona: r.persona,
      persona_focus: r.persona_focus,
      doc_id: r.doc_id,
      checks: Object.fromEntries(Object.entries(r.checks).filter(([, v]) => typeof v === "boolean")) as Record<string, boolean>,
      pass_rate: passRate(raw),
      source: r.source,
    });
  }
  const rejected = new StratifiedSampler<Draft>(opts.rejected, seed);
  if (opts.rejected !== 0) {
    for await (const { raw, record: r } of parsedRecords(listParts(runPaths(dir).rejected), Rejection, "a rejection record", bad)) {
      const id = rejectedPairId(r);
      if (!id || !r.pair || (opts.onlyIds && !opts.onlyIds.has(id))) continue;
      rejected.add({
        id,
        status: "rejected",
        question: r.pair.question,
        answer: r.pair.answer,
        aliases: [],
        answer_type: r.pair.answer_type ?? "other",
        domain: r.pair.domain ?? "Other",
        persona: r.pair.persona ?? "",
        doc_id: r.doc_id,
        reason: r.reason,
        detail: r.detail,
        pass_rate: passRate(raw),
        source: r.source,
      });
    }
  }
  const drafts = [...kept.draw(), ...rejected.draw()];

  // Second pass: only the documents the sample points at.
  const wanted = new Map<string, Draft[]>();
  for (const d of drafts) if (d.doc_id) wanted.set(d.doc_id, [...(wanted.get(d.doc_id) ?? []), d]);
  const texts = new Map<string, string>();
  if (opts.passages !== false) for await (const doc of readDocumentRecords(dir, (e) => bad.push(e.message))) {
    if (wanted.has(doc.doc_id) && !texts.has(doc.doc_id)) texts.set(doc.doc_id, doc.text);
  }
  const items = drafts.map(({ source, ...d }): ReviewItem => {
    const text = d.doc_id ? texts.get(d.doc_id) : undefined;
    const passage = text === undefined ? undefined : passageAround(text, d.answer, PASSAGE_CHARS);
    return { ...d, location: locationText(source), passage, evidence: passage ? evidenceRanges(passage, [d.answer, ...d.aliases]) : [] };
  });
  return { items, keptTotal: kept.total, rejectedTotal: rejected.total, bad };
}

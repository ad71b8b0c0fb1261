/**
 * The run's counters. Everything is counted when a unit's results are committed (never when
 * read), so the counts restored from a checkpoint match the outputs exactly after a resume.
 *
 * Invariants (tested): documents_read + windows_extra - input rejections = prefilter_passed
 * + prefilter rejections; each later funnel step = the next step + that stage's rejections;
 * pairs_accepted = qa_accepted + curation rejections.
 */
import { cacheSummary } from "./cache-summary.js";
import type { LlmStats, Rejection, Stats } from "../records.js";
import type { DocResult } from "../stages/process-document.js";

export interface TrackerState {
  documents_read: number;
  windows_extra: number;
  qa_accepted: number;
  funnel: Stats["funnel"];
  rejections: Record<string, number>;
  domains: Record<string, number>;
  timeline: NonNullable<Stats["timeline"]>;
}

const MAX_TIMELINE = 2000;

export class StatsTracker {
  state: TrackerState;

  constructor(prev?: TrackerState) {
    this.state = prev ?? {
      documents_read: 0,
      windows_extra: 0,
      qa_accepted: 0,
      funnel: { documents_read: 0, prefilter_passed: 0, filter_passed: 0, identified: 0, pairs_generated: 0, pairs_checked: 0, pairs_accepted: 0, pairs_curated: 0 },
      rejections: {},
      domains: {},
      timeline: [],
    };
  }

  /** A source record read (counted once per record, at the commit of its first unit). */
  sourceRecord(): void {
    this.state.documents_read++;
    this.state.funnel.documents_read++;
  }

  extraWindows(n: number): void {
    this.state.windows_extra += n;
  }

  reject(r: Rejection): void {
    this.state.rejections[r.reason] = (this.state.rejections[r.reason] ?? 0) + 1;
  }

  /** A unit that passed the prefilter and went through the model stages. */
  unit(res: DocResult): void {
    const f = this.state.funnel;
    f.prefilter_passed++;
    if (res.reached === "filter" || res.reached === "identify" || res.reached === "generate") f.filter_passed++;
    if (res.reached === "identify" || res.reached === "generate") f.identified++;
    f.pairs_generated += res.pairsGenerated;
    f.pairs_checked += res.pairsChecked;
    f.pairs_accepted += res.accepted.length;
    for (const r of res.rejections) this.reject(r);
  }

  /** A pair that passed check and curation and was written to qa/. */
  kept(domain: string): void {
    this.state.qa_accepted++;
    this.state.funnel.pairs_curated = (this.state.funnel.pairs_curated ?? 0) + 1;
    this.state.domains[domain] = (this.state.domains[domain] ?? 0) + 1;
  }

  sample(t: number, llm: LlmStats): void {
    const tl = this.state.timeline;
    tl.push({ t: Math.round(t * 10) / 10, documents: this.state.documents_read, accepted: this.state.qa_accepted, prompt_tokens: llm.prompt_tokens, completion_tokens: llm.completion_tokens });
    // Keep the timeline bounded on multi-day runs: drop every other sample when full.
    if (tl.length > MAX_TIMELINE) this.state.timeline = tl.filter((_, i) => i % 2 === 0 || i === tl.length - 1);
  }

  toStats(llm: LlmStats, wallSeconds: number, curation?: Record<string, unknown>): Stats {
    const s = this.state;
    const w = Math.max(wallSeconds, 1e-9);
    return {
      documents_read: s.documents_read,
      documents_finished: s.documents_read,
      qa_accepted: s.qa_accepted,
      funnel: { ...s.funnel },
      rejections: { ...s.rejections },
      llm,
      wall_seconds: Math.round(wallSeconds * 1000) / 1000,
      throughput: {
        documents_per_second: s.documents_read / w,
        pairs_per_second: s.qa_accepted / w,
        tokens_per_second: (llm.prompt_tokens + llm.completion_tokens) / w,
      },
      timeline: s.timeline,
      domains: { ...s.domains },
      windows_extra: s.windows_extra,
      ...(curation ? { curation } : {}),
      cache: cacheSummary(llm),
    } as Stats;
  }
}

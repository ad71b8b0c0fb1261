/**
 * What the reviews measure (issue 20): on the reviewed pairs, the share humans accept with
 * a 95 % Wilson interval, per domain and per answer type; the verifier against the humans
 * (precision on the pairs it kept, false rejections on the ones it threw away); the
 * reasons people give. Wilson rather than the normal approximation because review samples
 * are small and shares near 0 or 1 are the interesting ones: its interval stays in [0, 1]
 * and is not zero-width at 0/n or n/n.
 */
import { effective, readDecisions } from "./decisions.js";
import { loadReviewItems, type ReviewItem } from "./items.js";

export interface Share {
  n: number;
  /** Pairs humans accepted as they are. */
  accepted: number;
  edited: number;
  rejected: number;
  /** accepted / n, and its 95 % Wilson interval; null when n = 0. */
  share: number | null;
  low: number | null;
  high: number | null;
}

export interface ReviewSummary {
  dir: string;
  decisions: number;
  reviewers: string[];
  /** Decisions whose pair is no longer in the directory (e.g. a re-curated set). */
  orphaned: number;
  /** On pairs the verifier kept: the share humans accept is the verifier's precision. */
  kept: Share & { by_domain: Record<string, Share>; by_answer_type: Record<string, Share> };
  /** On pairs the pipeline rejected: the share humans accept is its false-rejection rate. */
  rejected: Share & { by_reason: Record<string, Share> };
  /** Human rejection reason → count, for kept and for rejected pairs. */
  reasons: { kept: Record<string, number>; rejected: Record<string, number> };
  bad_lines: string[];
}

const Z = 1.959964;

/** The 95 % Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = Z * Z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

function empty(): Share {
  return { n: 0, accepted: 0, edited: 0, rejected: 0, share: null, low: null, high: null };
}

function count(s: Share, decision: string): void {
  s.n++;
  if (decision === "accept") s.accepted++;
  else if (decision === "edit") s.edited++;
  else s.rejected++;
}

function finish(s: Share): void {
  if (s.n === 0) return;
  const w = wilson(s.accepted, s.n);
  s.share = s.accepted / s.n;
  s.low = w.low;
  s.high = w.high;
}

export async function summarizeReview(dir: string): Promise<ReviewSummary> {
  const log = readDecisions(dir);
  const { items } = await loadReviewItems(dir, { onlyIds: new Set(log.byId.keys()), passages: false });
  const reviewers = new Set<string>();
  let decisions = 0;
  for (const per of log.byId.values()) for (const d of per.values()) (decisions++, reviewers.add(d.reviewer));
  const kept = { ...empty(), by_domain: {} as Record<string, Share>, by_answer_type: {} as Record<string, Share> };
  const rejected = { ...empty(), by_reason: {} as Record<string, Share> };
  const reasons = { kept: {} as Record<string, number>, rejected: {} as Record<string, number> };
  const seen = new Set<string>();
  const group = (map: Record<string, Share>, key: string) => (map[key] ??= empty());
  for (const it of items as ReviewItem[]) {
    // A pair read twice (the same rejected pair in two parts) counts once.
    if (seen.has(it.id)) continue;
    seen.add(it.id);
    const d = effective(log, it.id)!;
    if (it.status === "kept") {
      count(kept, d.decision);
      count(group(kept.by_domain, it.domain), d.decision);
      count(group(kept.by_answer_type, it.answer_type), d.decision);
    } else {
      count(rejected, d.decision);
      count(group(rejected.by_reason, it.reason ?? "unknown"), d.decision);
    }
    if (d.decision === "reject") {
      const r = it.status === "kept" ? reasons.kept : reasons.rejected;
      r[d.reason ?? "unknown"] = (r[d.reason ?? "unknown"] ?? 0) + 1;
    }
  }
  for (const s of [kept, rejected, ...Object.values(kept.by_domain), ...Object.values(kept.by_answer_type), ...Object.values(rejected.by_reason)]) finish(s);
  return { dir, decisions, reviewers: [...reviewers].sort(), orphaned: log.byId.size - seen.size, kept, rejected, reasons, bad_lines: log.bad };
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)} %`);

function row(label: string, s: Share): string {
  return `  ${label.padEnd(28)} ${String(s.n).padStart(5)} ${String(s.accepted).padStart(8)} ${String(s.edited).padStart(6)} ${String(s.rejected).padStart(8)}   ${pct(s.share).padStart(7)}  [${pct(s.low)}, ${pct(s.high)}]`;
}

const HEAD = `  ${"".padEnd(28)} ${"n".padStart(5)} ${"accepted".padStart(8)} ${"edited".padStart(6)} ${"rejected".padStart(8)}   ${"share".padStart(7)}  95 % interval`;

/** The summary as text for a terminal. */
export function formatSummary(s: ReviewSummary): string {
  const out: string[] = [];
  out.push(`Human review of ${s.dir}: ${s.decisions} decision(s) by ${s.reviewers.join(", ") || "nobody yet"}` + (s.orphaned ? `; ${s.orphaned} for pairs no longer in the directory` : ""));
  out.push("");
  out.push(`Pairs the verifier kept: humans accept ${pct(s.kept.share)} as they are (the verifier's precision), 95 % interval [${pct(s.kept.low)}, ${pct(s.kept.high)}], n = ${s.kept.n}`);
  out.push(HEAD, row("all kept pairs", s.kept));
  out.push("  by domain:");
  for (const [k, v] of Object.entries(s.kept.by_domain).sort()) out.push(row(`  ${k}`, v));
  out.push("  by answer type:");
  for (const [k, v] of Object.entries(s.kept.by_answer_type).sort()) out.push(row(`  ${k}`, v));
  out.push("");
  out.push(`Pairs the pipeline rejected: humans accept ${pct(s.rejected.share)} (its false-rejection rate), 95 % interval [${pct(s.rejected.low)}, ${pct(s.rejected.high)}], n = ${s.rejected.n}`);
  if (s.rejected.n) {
    out.push(HEAD, row("all reviewed rejections", s.rejected), "  by pipeline reason:");
    for (const [k, v] of Object.entries(s.rejected.by_reason).sort()) out.push(row(`  ${k}`, v));
  }
  out.push("");
  const reasons = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
  out.push(`Reasons humans gave: on kept pairs: ${reasons(s.reasons.kept)}; on rejected pairs: ${reasons(s.reasons.rejected)}`);
  if (s.bad_lines.length) out.push(`Skipped ${s.bad_lines.length} unreadable line(s) of the decisions file, e.g. ${s.bad_lines[0]}`);
  return out.join("\n") + "\n";
}

/**
 * The report's "Human review" section (issue 20): what `review --summary` prints, as tables.
 * Present only when the directory holds review decisions; all text goes through `html`.
 */
import { existsSync } from "node:fs";
import { decisionsPath } from "../review/decisions.js";
import { summarizeReview, type Share } from "../review/summary.js";
import { html, table, type SafeHtml } from "./page.js";

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)}%`);
const interval = (s: Share) => (s.n ? `${pct(s.low)} – ${pct(s.high)}` : "–");
const HEAD = ["", "reviewed", "accepted", "edited", "rejected", "accepted share", "95% interval"];
const rowOf = (label: string, s: Share): Array<string | number> => [label, s.n, s.accepted, s.edited, s.rejected, pct(s.share), interval(s)];

export async function reviewSection(dir: string): Promise<SafeHtml | undefined> {
  if (!existsSync(decisionsPath(dir))) return undefined;
  const s = await summarizeReview(dir);
  return html`<p>${s.decisions} decision(s) by ${s.reviewers.join(", ")} in <code>review/decisions.jsonl</code> (<code>webscale-rl review</code>; the last decision per pair counts).
  Kept pairs people accept as they are, the verifier's precision: <b>${pct(s.kept.share)}</b> (95% Wilson interval ${interval(s.kept)}, n = ${s.kept.n}).
  ${s.rejected.n ? html`Rejected pairs people accept, the pipeline's false-rejection rate: <b>${pct(s.rejected.share)}</b> (${interval(s.rejected)}, n = ${s.rejected.n}).` : "No rejected pair was reviewed."}</p>
  <h3>Kept pairs by domain</h3>
  ${table(HEAD, [rowOf("all", s.kept), ...Object.entries(s.kept.by_domain).sort().map(([k, v]) => rowOf(k, v))])}
  <h3>Kept pairs by answer type</h3>
  ${table(HEAD, Object.entries(s.kept.by_answer_type).sort().map(([k, v]) => rowOf(k, v)))}
  ${s.rejected.n ? html`<h3>Reviewed rejections by pipeline reason</h3>${table(HEAD, Object.entries(s.rejected.by_reason).sort().map(([k, v]) => rowOf(k, v)))}` : ""}
  <h3>Reasons people gave</h3>
  ${table(["reason", "on kept pairs", "on rejected pairs"], [...new Set([...Object.keys(s.reasons.kept), ...Object.keys(s.reasons.rejected)])].sort().map((r) => [r, s.reasons.kept[r] ?? 0, s.reasons.rejected[r] ?? 0]))}
  ${s.orphaned ? html`<p class="note">${s.orphaned} decision(s) name pairs no longer in this directory.</p>` : ""}`;
}

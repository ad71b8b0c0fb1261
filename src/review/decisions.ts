/**
 * Human review decisions: `review/decisions.jsonl` in the reviewed directory, one JSON line
 * per decision, appended and never rewritten (issue 20). The last line per (id, reviewer)
 * wins, so a change of mind or an undo is one more line and the file is the full history.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { z } from "zod";

/** The short list of reasons a reviewer picks from (keys 1–6 in the page). */
export const REJECT_REASONS = ["wrong_answer", "not_answerable", "ambiguous", "not_grounded", "leaks_answer", "low_value"] as const;

export const ReviewDecision = z.object({
  /** The pair's id (QaRecord.id, or the id given to a rejected pair, see items.ts). */
  id: z.string().min(1),
  /**
   * `retract` withdraws this reviewer's earlier decision on the id (the page's undo): the
   * file stays append-only and the pair counts as not reviewed again.
   */
  decision: z.enum(["accept", "reject", "edit", "retract"]),
  reason: z.string().optional(),
  /** For `edit`: the corrected question and/or answer (what is not given stays as it was). */
  question: z.string().min(1).optional(),
  answer: z.string().min(1).optional(),
  reviewer: z.string().min(1),
  /** ISO time of the decision. */
  at: z.string(),
});
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export const decisionsPath = (dir: string) => join(dir, "review", "decisions.jsonl");

/** Appends one decision (one write call, so a line is never interleaved with another's). */
export function appendDecision(dir: string, d: ReviewDecision): void {
  const parsed = ReviewDecision.parse(d);
  const path = decisionsPath(dir);
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, JSON.stringify(parsed) + "\n");
}

export interface DecisionLog {
  /** `id` → reviewer → that reviewer's last decision (retractions removed). */
  byId: Map<string, Map<string, ReviewDecision>>;
  /** Lines that were not valid decisions ("file:line: why"), skipped. */
  bad: string[];
}

/**
 * Reads the log. A torn last line (a crash mid-append) or a hand-edited bad line is
 * skipped and reported, not fatal: the other decisions are still good data.
 */
export function readDecisions(dir: string): DecisionLog {
  const path = decisionsPath(dir);
  const byId = new Map<string, Map<string, ReviewDecision>>();
  const bad: string[] = [];
  if (!existsSync(path)) return { byId, bad };
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      bad.push(`${path}:${i + 1}: not valid JSON`);
      return;
    }
    const p = ReviewDecision.safeParse(value);
    if (!p.success) {
      bad.push(`${path}:${i + 1}: ${p.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
      return;
    }
    const d = p.data;
    let per = byId.get(d.id);
    if (!per) byId.set(d.id, (per = new Map()));
    // Delete first so that Map order is "last decided last": effective() relies on it.
    per.delete(d.reviewer);
    if (d.decision !== "retract") per.set(d.reviewer, d);
    if (per.size === 0) byId.delete(d.id);
  });
  return { byId, bad };
}

/**
 * The decision that curate and export apply when several reviewers judged one pair: the
 * most recent one (file order) among each reviewer's last decisions. A later reviewer
 * overrules an earlier one, as a second look should.
 */
export function effective(log: DecisionLog, id: string): ReviewDecision | undefined {
  const per = log.byId.get(id);
  if (!per) return undefined;
  let last: ReviewDecision | undefined;
  for (const d of per.values()) last = d;
  return last;
}

/** The projection as a person reads it: what was counted, the tables per stage and per model, and the assumptions. */
import type { Projection } from "./project.js";

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (n: number) => `${Math.round(n * 1000) / 10} %`;
const usd = (n: number | null) => (n === null ? "unknown" : n >= 100 ? `$${n.toFixed(0)}` : `$${n.toFixed(n >= 1 ? 2 : 4)}`);

/** Columns `right` (figures) are right-aligned, the others left. */
function table(rows: string[][], right: (column: number) => boolean): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (right(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd()).join("\n");
}

function describeFunnel(p: Projection): string {
  const a = p.assumptions;
  const from = a.source === "paper" ? "the paper's funnel (about 1.2 pairs per document; the split per stage is ours: docs/cost.md)" : `the run in ${a.source} (its stats.json)`;
  const rates = [
    `the filter keeps ${pct(a.filter_pass)} of units`,
    p.plan === "paper" ? `the classifier answers for ${pct(a.identify_pass)}` : undefined,
    `${a.personas_per_doc.toFixed(2)} personas per document`,
    `${a.pairs_per_persona.toFixed(2)} pairs per persona`,
    `${pct(a.to_verifier)} of pairs pass the guards to the verifier`,
    `it keeps ${pct(a.check_pass)}`,
    `the blind judge ${pct(a.answerable_pass)}`,
    p.plan === "efficient" ? `${pct(a.check_call_share)} / ${pct(a.judge_call_share)} of classified units send a check_all / answerable_all call` : undefined,
  ].filter(Boolean);
  return `Assumptions, from ${from}: ${rates.join(", ")}.`;
}

export function formatProjection(p: Projection, opts: { maxCost?: number } = {}): string {
  const lines: string[] = [];
  const extrapolated = p.inputs.filter((i) => i.how === "extrapolated").length;
  const unreadable = p.inputs.filter((i) => i.how === "unreadable").length;
  const how = p.documents_how === "counted" ? "counted" : `${extrapolated} of ${p.inputs.length} input files extrapolated from their size`;
  lines.push(
    `Estimate for --plan ${p.plan}: ${int(p.documents)} documents (${how}${p.assumptions.limit !== undefined ? `, --limit ${p.assumptions.limit}` : ""}${unreadable ? `; ${unreadable} unreadable file(s)` : ""}) → ${int(p.units)} units through the model stages → about ${int(p.pairs)} pairs.`,
  );
  const rejected = Object.entries(p.sample.rejected).map(([r, n]) => `${r} ${n}`);
  lines.push(`Sample: the first ${int(p.sample.documents)} documents, ${int(p.sample.units)} units${rejected.length ? ` (${rejected.join(", ")})` : ""}; their prompts built as a run builds them, no model called.`);
  lines.push("");
  const stageRows = [["stage", "model", "calls/unit", "requests", "prompt tokens", "cached", "completion", "reply size from"]];
  for (const [stage, s] of Object.entries(p.stages)) {
    stageRows.push([stage, s.model, s.calls_per_unit.toFixed(2), int(s.requests), int(s.prompt_tokens), int(s.cached_prompt_tokens), int(s.completion_tokens), s.completion_from]);
  }
  stageRows.push(["total", "", "", int(p.requests), int(p.prompt_tokens), int(p.cached_prompt_tokens), int(p.completion_tokens), ""]);
  lines.push(table(stageRows, (c) => c >= 2 && c <= 6));
  lines.push("");
  const modelRows = [["model", "requests", "prompt tokens", "completion", "$ per M in/out", "cost"]];
  for (const [name, m] of Object.entries(p.models)) {
    modelRows.push([name, int(m.requests), int(m.prompt_tokens), int(m.completion_tokens), m.price ? `${m.price.input}/${m.price.output}` : "no price", usd(m.cost_usd)]);
  }
  modelRows.push(["total", int(p.requests), int(p.prompt_tokens), int(p.completion_tokens), "", usd(p.cost_usd)]);
  lines.push(table(modelRows, (c) => c >= 1));
  if (p.unpriced.length) lines.push(`Cost unknown: no price for ${p.unpriced.join(", ")}; pass --price MODEL=IN/OUT (dollars per million prompt/completion tokens).`);
  if (opts.maxCost !== undefined && p.cost_usd !== null && p.cost_usd > opts.maxCost) {
    lines.push(`--max-cost ${opts.maxCost} would stop the run after about ${pct(opts.maxCost / p.cost_usd)} of it (resumable).`);
  }
  lines.push("");
  lines.push(describeFunnel(p));
  lines.push(
    `Tokens as the project counts them (estimateTokens, per message; a server's tokenizer and chat template differ a little). Cached: what a prefix cache serves (the system message after the run's first call, the document on its second and later calls); ${int(p.uncached_prompt_tokens)} prompt tokens left to prefill. Cost prices every prompt token at the input price.`,
  );
  return lines.join("\n");
}

/**
 * The report's difficulty section: pass-rate histograms (per model, and per domain and answer
 * type by each pair's first model, whose pass rate export writes), the share in the learnable
 * band, and the rollout's own figures (samples, requests, tokens per sample).
 */
import { passRateHistogram, passRateShares, renderVegaLite } from "./charts.js";
import type { Collected } from "./collect.js";
import { fmt, html, table, trusted, type SafeHtml } from "./page.js";
import { PASS_RATE_BINS, type RateTally } from "./pass-rates.js";

/** Models drawn as their own histogram (the table lists every one). */
const MAX_MODEL_CHARTS = 4;

const pct = (n: number, of: number) => (of > 0 ? `${fmt((100 * n) / of, 1)}%` : "–");
const rate = (x: number) => Number(x.toFixed(3));

function histogramRows(t: RateTally): Array<Record<string, string | number>> {
  return PASS_RATE_BINS.flatMap((bin, i) => [
    { bin, where: "in band", pairs: t.binsInBand[i]! },
    { bin, where: "outside the band", pairs: t.bins[i]! - t.binsInBand[i]! },
  ]);
}

function shareRows(groups: Map<string, RateTally>, key: string): Array<Record<string, string | number>> {
  return [...groups].flatMap(([group, t]) => PASS_RATE_BINS.map((bin, i) => ({ [key]: group, bin, order: i, pairs: t.bins[i]! })));
}

function summaryRow(name: string, t: RateTally): Array<string | number> {
  return [name, t.pairs, rate(t.mean), pct(t.never, t.pairs), pct(t.inBand, t.pairs), pct(t.always, t.pairs)];
}

const HEADS = ["pairs measured", "mean pass rate", "pass rate 0 (never solved)", "in the band", "pass rate 1 (always solved)"];

export async function difficultySection(c: Collected): Promise<SafeHtml> {
  const pr = c.passRates;
  const band = pr.band;
  const bandText = `${band.min}–${band.max}, both ends included (${c.bandSource === "default" ? "the default; --pass-rate-band changes it" : `from ${c.bandSource}`})`;
  const byCount = (m: Map<string, RateTally>) => [...m].sort((a, b) => b[1].pairs - a[1].pairs || a[0].localeCompare(b[0]));
  const models = byCount(pr.byModel);
  const firstModels = [...pr.first].sort((a, b) => b[1] - a[1]);
  const charts = await Promise.all([
    ...models.slice(0, MAX_MODEL_CHARTS).map(([m, t]) => renderVegaLite(passRateHistogram(histogramRows(t), PASS_RATE_BINS, `Pass rate under ${m}`))),
    renderVegaLite(passRateShares(shareRows(new Map(byCount(pr.byDomain)), "domain"), PASS_RATE_BINS, "domain", "Pass rate by domain (each pair's first model)")),
    renderVegaLite(passRateShares(shareRows(new Map(byCount(pr.byType)), "answer type"), PASS_RATE_BINS, "answer type", "Pass rate by answer type (each pair's first model)")),
  ]);
  const modelCharts = charts.slice(0, Math.min(models.length, MAX_MODEL_CHARTS));
  const [domainSvg, typeSvg] = charts.slice(modelCharts.length);
  const r = c.stats?.rollout as
    | { samples?: number; sample_requests?: number; samples_per_second?: number; prompt_tokens_per_sample?: number; settings?: { samples?: number; temperature?: number; max_tokens?: number } }
    | undefined;
  const card = (label: string, value: string) => html`<div class="card"><div class="note">${label}</div><div class="big">${value}</div></div>`;
  return html`<p class="note">${fmt(pr.measured)} of ${fmt(pr.measured + pr.unmeasured)} accepted pairs have pass rates from <code>webscale-rl rollout</code>: a policy-like model answered each question alone, K times, and the reward scored each answer; pass rate = right answers / K. GRPO learns nothing from a pair solved 0 or K times out of K (every sample gets the same reward). The band: ${bandText}. Pairs no model solved may not be answerable as written (<code>curate --pass-rate</code> rejects them as <code>difficulty.never_solved</code>).</p>
    ${r ? html`<div class="cards">
      ${card("samples", fmt(r.samples))}
      ${card("samples per pair and model", fmt(r.settings?.samples))}
      ${card("temperature / max tokens", `${fmt(r.settings?.temperature, 1)} / ${fmt(r.settings?.max_tokens)}`)}
      ${card("requests", fmt(r.sample_requests))}
      ${card("samples / s", fmt(r.samples_per_second, 1))}
      ${card("prompt tokens / sample", fmt(r.prompt_tokens_per_sample, 1))}
    </div>` : ""}
    <h3>Per model</h3>${table(["model", ...HEADS], models.map(([m, t]) => summaryRow(m, t)))}
    <div class="row">${modelCharts.map((svg) => html`<div class="chart">${trusted(svg)}</div>`)}</div>
    ${models.length > MAX_MODEL_CHARTS ? html`<p class="note">Histograms for the ${MAX_MODEL_CHARTS} models with the most pairs; the table lists all ${models.length}.</p>` : ""}
    <h3>Per domain and answer type</h3>
    <p class="note">By each pair's first model (the pass rate export writes as <code>pass_rate</code>): ${firstModels.map(([m, n]) => `${m} (${fmt(n)} pairs)`).join(", ")}.</p>
    <div class="row"><div class="chart">${trusted(domainSvg!)}</div><div>${table(["domain", ...HEADS], byCount(pr.byDomain).map(([d, t]) => summaryRow(d, t)))}</div></div>
    <div class="row"><div class="chart">${trusted(typeSvg!)}</div><div>${table(["answer type", ...HEADS], byCount(pr.byType).map(([d, t]) => summaryRow(d, t)))}</div></div>`;
}

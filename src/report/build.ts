/**
 * Builds the report: collect (one streaming pass) → embed and lay out the map sample →
 * render charts → assemble one self-contained HTML page.
 */
import { writeFileAtomic } from "../io/atomic-file.js";
import { redactUrl } from "../config/redact.js";
import { basename, resolve } from "node:path";
import type { LlmCounters } from "../records.js";
import { barChart, donutChart, histogram, lineChart, renderVegaLite, scatterMap, stackedBars } from "./charts.js";
import { collectCompare, collectRun, type Collected, type MapPoint } from "./collect.js";
import { clusterCoverage, kmeans, meanPairwiseDistance, toMatrix, umapLayout, type Matrix } from "./diversity.js";
import { LEXICAL_DIMS, lexicalEmbed } from "./lexical-embed.js";
import { fmt, html, renderPage, table, trusted, type SafeHtml } from "./page.js";
import { estimateCost, type PriceChoice } from "./prices.js";
import { remoteEmbed } from "./remote-embed.js";
import { reviewSection } from "./review-section.js";
import { difficultySection } from "./difficulty-section.js";
import type { PassRateBand } from "../curate/difficulty.js";

export interface ReportOptions {
  runDir: string;
  out: string;
  /** Default: built-in prices for models found in the table. */
  price?: PriceChoice;
  embed?: { baseUrl: string; model: string; apiKey?: string };
  compare?: string;
  maxMapPoints?: number;
  maxTableRows?: number;
  maxRejectedRows?: number;
  passageChars?: number;
  seed?: number;
  /** Clusters for the coverage figure. */
  clusters?: number;
  /** The learnable band the difficulty section shows (default: the band a curate kept, else 0.1–0.9). */
  passRateBand?: PassRateBand;
}

export interface ReportSummary {
  out: string;
  bytes: number;
  seconds: number;
  accepted: number;
  rejected: number;
  mapPoints: number;
  tableRows: number;
  embedding: string;
  badLines: number;
}

const FUNNEL_STEPS: Array<[string, string]> = [
  ["documents_read", "documents read"],
  ["prefilter_passed", "passed prefilter"],
  ["filter_passed", "passed LLM filter"],
  ["identified", "identified (domain, personas)"],
  ["pairs_generated", "pairs generated"],
  ["pairs_checked", "pairs checked"],
  ["pairs_accepted", "pairs accepted"],
  ["pairs_rescued", "rejected pairs brought back by review"],
  ["pairs_curated", "pairs after curation"],
];

const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const pct = (n: number, of: number) => (of > 0 ? `${fmt((100 * n) / of, 1)}%` : "–");

export async function buildReport(opts: ReportOptions): Promise<ReportSummary> {
  const started = performance.now();
  const seed = opts.seed ?? 42;
  const maxMapPoints = opts.maxMapPoints ?? 5000;
  const maxTableRows = opts.maxTableRows ?? 20_000;
  const c = await collectRun(opts.runDir, {
    seed,
    maxMapPoints,
    maxTableRows,
    maxRejectedRows: opts.maxRejectedRows ?? Math.min(5000, maxTableRows),
    passageChars: opts.passageChars ?? 1500,
    passRateBand: opts.passRateBand,
  });
  const compare = opts.compare ? await collectCompare(opts.compare, Math.min(2000, Math.ceil(maxMapPoints / 2)), seed) : undefined;

  const sections: SafeHtml[] = [];
  const nav: Array<[string, string]> = [];
  const add = (id: string, label: string, body: SafeHtml) => {
    nav.push([id, label]);
    sections.push(html`<section id="${id}"><h2>${label}</h2>${body}</section>`);
  };

  const cost = costSection(c, opts.price ?? { kind: "builtin-per-model" });
  sections.push(overview(c, cost.perThousand));
  add("funnel", "Funnel", await funnelSection(c));
  add("domains", "Domains", await domainSection(c));
  add("personas", "Personas", await personaSection(c));
  add("answers", "Answer types and lengths", await answerSection(c));
  // Only for pairs that were rolled out (`webscale-rl rollout`).
  if (c.passRates.measured > 0) add("difficulty", "Difficulty (pass rates)", await difficultySection(c));
  add("cost", "Cost and throughput", await cost.body);
  const div = await diversitySection(c, compare, opts, seed);
  add("diversity", "Diversity", div.body);
  const review = await reviewSection(opts.runDir);
  if (review) add("review", "Human review", review);
  add("samples", "Sample browser", samplesSection(c));

  const title = `webscale-rl report: ${basename(resolve(opts.runDir))}`;
  const page = renderPage({
    title,
    subtitle: html`<p>Run directory <code>${resolve(opts.runDir)}</code>. Built ${new Date().toISOString().slice(0, 19).replace("T", " ")} UTC.</p>`,
    nav,
    sections,
    data: { rows: c.tableRows, passages: c.passages },
  });
  // Written whole or not at all: a killed report leaves no half page under its name.
  writeFileAtomic(opts.out, page);
  return {
    out: opts.out,
    bytes: Buffer.byteLength(page),
    seconds: (performance.now() - started) / 1000,
    accepted: c.accepted,
    rejected: c.rejectedRecords,
    mapPoints: div.points,
    tableRows: c.tableRows.length,
    embedding: div.embedding,
    badLines: c.badLines,
  };
}

function overview(c: Collected, perThousand: number | undefined): SafeHtml {
  const s = c.stats;
  const card = (label: string, value: string) => html`<div class="card"><div class="note">${label}</div><div class="big">${value}</div></div>`;
  return html`<section id="overview"><div class="cards">
    ${card("documents read", fmt(s?.documents_read))}
    ${card("accepted pairs", fmt(c.accepted))}
    ${card("rejected records", fmt(c.rejectedRecords))}
    ${card("domains", fmt(c.domains.size))}
    ${card("wall time", s ? `${fmt(s.wall_seconds, 1)} s` : "–")}
    ${card("est. cost / 1,000 accepted", perThousand !== undefined ? `$${fmt(perThousand, 3)}` : "–")}
  </div>
  ${c.stats ? "" : html`<p class="note">No stats.json in this run directory: funnel and cost figures are missing; counts come from the record files.</p>`}
  ${c.badLines ? html`<p class="note">${fmt(c.badLines)} unreadable lines in the run's files were skipped, e.g. ${c.badExamples.join("; ")}</p>` : ""}
  </section>`;
}

async function funnelSection(c: Collected): Promise<SafeHtml> {
  const funnel = c.stats?.funnel as Record<string, number | undefined> | undefined;
  const steps = FUNNEL_STEPS.filter(([k]) => funnel?.[k] !== undefined).map(([k, label]) => ({ step: label, count: funnel![k]! }));
  if (!funnel) steps.push({ step: "pairs accepted", count: c.accepted });
  const reasons = new Map<string, number>(Object.entries(c.stats?.rejections ?? {}));
  for (const [r, n] of c.rejectionsByReason) if (!reasons.has(r)) reasons.set(r, n);
  const reasonRows = sorted(reasons).map(([reason, count]) => ({ reason, stage: reason.split(".")[0], count }));
  const funnelSvg = await renderVegaLite(barChart({ values: steps, category: "step", value: "count", title: "Documents and pairs through the pipeline", valueTitle: "count", keepOrder: true }));
  const reasonSvg = reasonRows.length
    ? await renderVegaLite(barChart({ values: reasonRows.slice(0, 40), category: "reason", value: "count", color: "stage", title: "Rejections by reason", valueTitle: "records" }))
    : "";
  const curation = c.stats?.curation;
  return html`<div class="row"><div class="chart">${trusted(funnelSvg)}</div>
    <div>${table(["step", "count", "of previous"], steps.map((s, i) => [s.step, s.count, i ? pct(s.count, steps[i - 1].count) : ""]))}</div></div>
    <div class="row"><div class="chart">${trusted(reasonSvg)}</div>
    <div>${reasonRows.length ? table(["reason", "stage", "count"], reasonRows.map((r) => [r.reason, r.stage, r.count]), 2) : html`<p class="note">No rejections recorded.</p>`}</div></div>
    ${curation ? html`<h3>Curation</h3>${table(["figure", "value"], Object.entries(curation).map(([k, v]) => [k, typeof v === "number" ? v : JSON.stringify(v)]))}` : ""}`;
}

async function domainSection(c: Collected): Promise<SafeHtml> {
  const rows = sorted(c.domains).map(([domain, pairs]) => ({ domain, pairs }));
  if (!rows.length) return html`<p class="note">No accepted pairs.</p>`;
  const svg = await renderVegaLite(donutChart(rows, "domain", "pairs", "Accepted pairs by domain"));
  return html`<div class="row"><div class="chart">${trusted(svg)}</div><div>${table(["domain", "pairs", "share"], rows.map((r) => [r.domain, r.pairs, pct(r.pairs, c.accepted)]))}</div></div>`;
}

async function personaSection(c: Collected): Promise<SafeHtml> {
  const top = sorted(c.personas).slice(0, 20).map(([persona, pairs]) => ({ persona, pairs }));
  if (!top.length) return html`<p class="note">No accepted pairs.</p>`;
  const svg = await renderVegaLite(barChart({ values: top, category: "persona", value: "pairs", title: `Top ${top.length} personas (of ${fmt(c.personas.size)} distinct)` }));
  const perDomain: Array<Array<string | number>> = [];
  for (const [domain] of sorted(c.domains)) {
    const m = c.personasByDomain.get(domain)!;
    sorted(m)
      .slice(0, 5)
      .forEach(([p, n], i) => perDomain.push([i === 0 ? `${domain} (${fmt(m.size)} distinct)` : "", p, n]));
  }
  return html`<div class="row"><div class="chart">${trusted(svg)}</div><div><h3>Top personas per domain</h3>${table(["domain", "persona", "pairs"], perDomain, 2)}</div></div>`;
}

function histStats(h: Map<number, number>): { mean: number; median: number } {
  const entries = [...h.entries()].sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  let acc = 0;
  let median = 0;
  for (const [len, n] of entries) if ((acc += n) >= total / 2) ((median = len), (acc = -Infinity));
  return { mean: total ? entries.reduce((s, [len, n]) => s + len * n, 0) / total : 0, median };
}

async function answerSection(c: Collected): Promise<SafeHtml> {
  if (!c.accepted) return html`<p class="note">No accepted pairs.</p>`;
  const types = sorted(c.answerTypes).map(([type, pairs]) => ({ type, pairs }));
  const toRows = (h: Map<number, number>) => [...h.entries()].map(([len, n]) => ({ len, n }));
  const [typeSvg, qSvg, aSvg] = await Promise.all([
    renderVegaLite(barChart({ values: types, category: "type", value: "pairs", title: "Answer types" })),
    renderVegaLite(histogram(toRows(c.questionWords), "Question length", "words (100 = 100 or more)")),
    renderVegaLite(histogram(toRows(c.answerWords), "Answer length", "words (30 = 30 or more)", 30)),
  ]);
  const q = histStats(c.questionWords);
  const a = histStats(c.answerWords);
  return html`<div class="row"><div class="chart">${trusted(typeSvg)}</div><div>${table(["answer type", "pairs", "share"], types.map((t) => [t.type, t.pairs, pct(t.pairs, c.accepted)]))}
    ${table(["length (words)", "mean", "median"], [["question", Number(q.mean.toFixed(1)), q.median], ["answer", Number(a.mean.toFixed(1)), a.median]])}</div></div>
    <div class="row"><div class="chart">${trusted(qSvg)}</div><div class="chart">${trusted(aSvg)}</div></div>`;
}

function costSection(c: Collected, price: PriceChoice): { body: Promise<SafeHtml>; perThousand?: number } {
  const llm = c.stats?.llm;
  if (!llm) return { body: Promise.resolve(html`<p class="note">No stats.json: no request or token figures.</p>`) };
  const est = estimateCost(llm.by_model, c.accepted, price);
  const counterRows = (m: Record<string, LlmCounters>) =>
    Object.entries(m).map(([k, v]) => [k, v.requests, v.retries, v.errors, v.prompt_tokens, v.completion_tokens, v.cached_prompt_tokens]);
  const heads = ["requests", "retries", "errors", "prompt tokens", "completion tokens", "cached prompt tokens"];
  const tokenRows = (m: Record<string, LlmCounters>, key: string) =>
    Object.entries(m).flatMap(([k, v]) => [
      { [key]: k, kind: "prompt", tokens: v.prompt_tokens },
      { [key]: k, kind: "completion", tokens: v.completion_tokens },
    ]);
  const body = (async () => {
    const charts = [
      await renderVegaLite(stackedBars(tokenRows(llm.by_stage, "stage"), "stage", "Tokens per stage")),
      await renderVegaLite(stackedBars(tokenRows(llm.by_model, "model"), "model", "Tokens per model")),
    ];
    const tl = c.stats?.timeline ?? [];
    const rates: Array<Record<string, string | number>> = [];
    const tokenRates: Array<Record<string, string | number>> = [];
    for (let i = 1; i < tl.length; i++) {
      const dt = tl[i].t - tl[i - 1].t;
      if (dt <= 0) continue;
      rates.push({ t: tl[i].t, series: "documents/s", rate: (tl[i].documents - tl[i - 1].documents) / dt });
      rates.push({ t: tl[i].t, series: "accepted pairs/s", rate: (tl[i].accepted - tl[i - 1].accepted) / dt });
      tokenRates.push({ t: tl[i].t, series: "prompt tokens/s", rate: (tl[i].prompt_tokens - tl[i - 1].prompt_tokens) / dt });
      tokenRates.push({ t: tl[i].t, series: "completion tokens/s", rate: (tl[i].completion_tokens - tl[i - 1].completion_tokens) / dt });
    }
    const timeline = rates.length
      ? [await renderVegaLite(lineChart(rates, "Throughput over time", "per second")), await renderVegaLite(lineChart(tokenRates, "Tokens over time", "tokens per second"))]
      : [];
    const t = c.stats!.throughput;
    const models = [...c.modelSets.keys()].slice(0, 3).map((k) => Object.entries(JSON.parse(k) as Record<string, string>));
    return html`<div class="cards">
      <div class="card"><div class="note">requests</div><div class="big">${fmt(llm.requests)}</div></div>
      <div class="card"><div class="note">prompt / completion tokens</div><div class="big">${fmt(llm.prompt_tokens)} / ${fmt(llm.completion_tokens)}</div></div>
      <div class="card"><div class="note">retries / errors</div><div class="big">${fmt(llm.retries)} / ${fmt(llm.errors)}</div></div>
      <div class="card"><div class="note">throughput</div><div>${fmt(t.documents_per_second, 2)} docs/s · ${fmt(t.pairs_per_second, 2)} pairs/s · ${fmt(t.tokens_per_second, 0)} tokens/s</div></div>
    </div>
    <h3>Per stage</h3>${table(["stage", ...heads], counterRows(llm.by_stage))}
    <h3>Per model</h3>${table(["model", ...heads], counterRows(llm.by_model))}
    ${models.length ? html`<h3>Models per stage (on accepted records)</h3>${models.map((m) => table(["stage", "model"], m, 2))}` : ""}
    <div class="row">${charts.map((s) => html`<div class="chart">${trusted(s)}</div>`)}</div>
    ${timeline.length ? html`<div class="row">${timeline.map((s) => html`<div class="chart">${trusted(s)}</div>`)}</div>` : html`<p class="note">No timeline samples in stats.json.</p>`}
    <h3>Estimated cost</h3>
    ${table(
      ["model", "$ / 1M prompt", "$ / 1M completion", "prompt tokens", "completion tokens", "$"],
      est.lines.map((l) => [l.model, l.price ? l.price.input : "no price", l.price ? l.price.output : "no price", l.prompt_tokens, l.completion_tokens, l.dollars !== undefined ? Number(l.dollars.toFixed(4)) : "–"]),
    )}
    <p>${est.total !== undefined ? html`Total <b>$${fmt(est.total, 4)}</b>; <b>$${fmt(est.perThousandAccepted, 4)} per 1,000 accepted pairs</b> (prices: ${est.basis}; cached prompt tokens priced as ordinary prompt tokens, so this is an upper bound).` : html`No estimate: no price for ${est.unpriced.join(", ")}. Pass <code>--price in=…,out=…</code> (dollars per million tokens) or <code>--price-model NAME</code>.`}</p>`;
  })();
  return { body, perThousand: est.perThousandAccepted };
}

async function diversitySection(
  c: Collected,
  compare: { points: MapPoint[]; read: number; bad: number } | undefined,
  opts: ReportOptions,
  seed: number,
): Promise<{ body: SafeHtml; points: number; embedding: string }> {
  const points = [...c.mapSample, ...(compare?.points ?? [])];
  const embedding = opts.embed ? `${opts.embed.model} via ${redactUrl(opts.embed.baseUrl)}/embeddings` : `built-in lexical embedding (hashed TF-IDF of word unigrams and bigrams, ${LEXICAL_DIMS} dimensions)`;
  if (points.length < 5) return { body: html`<p class="note">Too few questions for a map.</p>`, points: 0, embedding };
  const texts = points.map((p) => p.question);
  const vectors = opts.embed ? await remoteEmbed(texts, opts.embed) : lexicalEmbed(texts);
  const m: Matrix = toMatrix(vectors, seed);
  const xy = umapLayout(m, seed);
  const k = Math.max(2, Math.min(opts.clusters ?? 20, Math.floor(points.length / 10)));
  const assign = kmeans(m, k, seed);
  const groups = points.map((p) => p.group);
  const coverage = clusterCoverage(assign, groups, k);
  const byGroup = new Map<string, number[]>();
  groups.forEach((g, i) => {
    const list = byGroup.get(g);
    if (list) list.push(i);
    else byGroup.set(g, [i]);
  });
  const runRows = points.map((p, i) => (p.dataset === "run" ? i : -1)).filter((i) => i >= 0);
  const summary: Array<Array<string | number>> = [
    ["all of this run", runRows.length, Number((meanPairwiseDistance(m, runRows) ?? 0).toFixed(3)), pct(new Set(runRows.map((i) => assign[i])).size, k)],
  ];
  if (compare?.points.length) {
    const cmpRows = points.map((p, i) => (p.dataset === "compare" ? i : -1)).filter((i) => i >= 0);
    summary.push([`compare: ${basename(opts.compare!)}`, cmpRows.length, Number((meanPairwiseDistance(m, cmpRows) ?? 0).toFixed(3)), pct((coverage.get(groups[cmpRows[0]]) ?? 0) * k, k)]);
  }
  for (const [g, rows] of [...byGroup.entries()].sort((a, b) => b[1].length - a[1].length)) {
    if (g.startsWith("compare: ")) continue;
    summary.push([g, rows.length, Number((meanPairwiseDistance(m, rows) ?? 0).toFixed(3)), pct((coverage.get(g) ?? 0) * k, k)]);
  }
  const svg = await renderVegaLite(
    scatterMap(
      points.map((p, i) => ({ x: Number(xy[i][0].toFixed(3)), y: Number(xy[i][1].toFixed(3)), group: p.group, dataset: p.dataset })),
      "Questions, UMAP of their embeddings",
    ),
  );
  const sampled = c.mapSample.length < c.accepted;
  return {
    points: points.length,
    embedding,
    body: html`<p class="note">Embedding: <b>${embedding}</b>. ${sampled ? `The map shows a seeded sample of ${fmt(c.mapSample.length)} of ${fmt(c.accepted)} accepted questions, stratified by domain (each domain gets a share proportional to its size, at least 50 points or all it has).` : `All ${fmt(c.accepted)} accepted questions are shown.`}
      ${compare ? `Compared with ${fmt(compare.points.length)} of ${fmt(compare.read)} questions from ${basename(opts.compare!)}${compare.bad ? ` (${fmt(compare.bad)} lines without a question skipped)` : ""}, drawn as triangles.` : ""}</p>
    <div class="row"><div class="chart">${trusted(svg)}</div>
    <div>${table(["group", "points", "mean pairwise cosine distance", `clusters covered (of ${k})`], summary)}
    <p class="note">Mean pairwise cosine distance: 0 = all questions alike, 1 = unrelated. Clusters: spherical k-means with k = ${k} over all map points; a group covers a cluster when at least max(2, 2% of its points) fall in it. Higher is more spread out.</p></div></div>`,
  };
}

function samplesSection(c: Collected): SafeHtml {
  const t = c.tableRowsTotal;
  return html`<p class="note">${fmt(c.tableRows.length)} rows embedded: ${t.accepted > c.tableRows.filter((r) => r.s === "a").length ? `a seeded sample of ${fmt(c.tableRows.filter((r) => r.s === "a").length)} of ${fmt(t.accepted)} accepted pairs` : `all ${fmt(t.accepted)} accepted pairs`} and ${fmt(c.tableRows.filter((r) => r.s === "r").length)} of ${fmt(t.rejected)} rejected records. Source passages are kept for ${fmt(c.documentsWithText)} documents.</p>
  <div class="controls">
    <input id="search" type="search" placeholder="search questions, answers, personas, reasons" aria-label="search">
    <select id="f-status" aria-label="status"><option value="">accepted and rejected</option><option value="a">accepted</option><option value="r">rejected</option></select>
    <select id="f-domain" aria-label="domain"><option value="">all domains</option></select>
    <select id="f-type" aria-label="answer type"><option value="">all answer types</option></select>
    <span id="match-count"></span>
    <button id="prev" type="button">previous</button><span id="page-info"></span><button id="next" type="button">next</button>
  </div>
  <table><thead><tr><th>status</th><th>domain</th><th>persona</th><th>answer type</th><th>question</th><th>answer</th><th>source</th></tr></thead><tbody id="rows"></tbody></table>`;
}

/**
 * Curation throughput: N synthetic QA pairs (default 1,000,000; `--pairs 1200000`) through
 * quality → decontamination against every benchmark file in ../shared/data/benchmarks (when
 * present) → exact + MinHash near-dedup, with state in a temp dir. About 5% of the pairs
 * are planted exact or near duplicates of earlier ones, and one in 1,000 is a real benchmark
 * question with a word changed (when the benchmark folder exists). Prints JSON.
 *
 *   npx tsx bench/curate-throughput.ts [--pairs N]
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Curator, defaultCurateOptions } from "../src/curate/curator.js";
import { loadBenchmark } from "../src/curate/benchmarks.js";
import { normalizeText } from "../src/util/normalize.js";
import type { QaRecord } from "../src/records.js";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const PAIRS = arg("--pairs", 1_000_000);

let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];

const syl = ["ka", "lo", "mi", "ter", "van", "os", "ri", "dun", "pel", "sa", "gor", "ix", "ne", "tu", "bra", "fe", "zan", "qui", "mor", "el"];
const word = () => Array.from({ length: 2 + Math.floor(rnd() * 2) }, () => pick(syl)).join("");
const NAMES = Array.from({ length: 5000 }, () => word().replace(/^./, (c) => c.toUpperCase()));
const THINGS = Array.from({ length: 3000 }, word);
const VERBS = ["founded", "designed", "measured", "discovered", "published", "exported", "built", "recorded", "translated", "patented"];
const TEMPLATES: ((n: number) => string)[] = [
  (n) => `In which year did ${pick(NAMES)} first ${pick(VERBS).replace(/ed$/, "")} the ${pick(THINGS)} ${pick(THINGS)} near ${pick(NAMES)}?`,
  (n) => `How many ${pick(THINGS)} units did the ${pick(NAMES)} cooperative ship to ${pick(NAMES)} during the ${n % 90 + 1910}s ${pick(THINGS)} boom?`,
  (n) => `What is the name of the ${pick(THINGS)} that ${pick(NAMES)} ${pick(VERBS)} after studying ${pick(THINGS)} samples from ${pick(NAMES)} in ${n % 200 + 1800}?`,
  (n) => `Which ${pick(THINGS)} compound, ${pick(VERBS)} by ${pick(NAMES)} and ${pick(NAMES)}, reduces ${pick(THINGS)} corrosion by ${n % 97}% in ${pick(THINGS)} pipes?`,
  (n) => `If a ${pick(THINGS)} costs ${n % 500} ${pick(THINGS)} and ${pick(NAMES)} buys ${n % 13 + 2} of them with a ${pick(THINGS)} coupon, what does ${pick(NAMES)} pay?`,
  (n) => `What river runs through the ${pick(THINGS)} valley where ${pick(NAMES)} ${pick(VERBS)} the ${pick(THINGS)} observatory in ${n % 150 + 1850}?`,
];
const ANSWERS = ["42", "1887", "Kavanter", "the Losa river", "3.5%", "yes", "$120"];
const TYPES = ["number", "date", "entity", "short_phrase", "yes_no", "number"] as const;

function makePair(i: number, recent: string[]): QaRecord {
  let question: string;
  const r = rnd();
  if (recent.length > 100 && r < 0.025) question = pick(recent).toUpperCase(); // exact (after normalisation)
  else if (recent.length > 100 && r < 0.05) question = pick(recent).replace("?", " today?"); // near
  else question = TEMPLATES[i % TEMPLATES.length](i);
  const t = i % 7;
  return {
    id: `b${i}`, question, answer: ANSWERS[t], answer_type: TYPES[t % TYPES.length] === "yes_no" && t !== 5 ? "short_phrase" : (t === 5 ? "yes_no" : t === 1 ? "date" : t === 0 || t === 4 || t === 6 ? "number" : "entity"),
    domain: "Other", persona: "p", doc_id: `d${i >> 2}`, source: { file: "synthetic", line: i + 1 },
    checks: { correct: true, grounded: true, self_contained: true, leakage: false }, models: {}, prompt_version: "bench",
  };
}

const benchDir = resolve(import.meta.dirname, "../../shared/data/benchmarks");
const benchmarks = existsSync(benchDir) ? readdirSync(benchDir).filter((f) => /\.(jsonl|parquet)$/.test(f)).map((f) => ({ path: join(benchDir, f) })) : [];
// Real benchmark texts of ≥ 27 words (a single changed word then always leaves a clean 13-gram), to plant (one word changed) among the synthetic pairs.
const plantable: string[] = [];
for (const b of benchmarks) for (const t of (await loadBenchmark(b)).texts) if (normalizeText(t.text).split(" ").length >= 27) plantable.push(t.text);
const state = mkdtempSync(join(tmpdir(), "curate-bench-"));
let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage.rss()));
const sampler = setInterval(sampleRss, 200);

const t0 = performance.now();
const cur = await Curator.open(state, { ...defaultCurateOptions, benchmarks });
const loadSeconds = (performance.now() - t0) / 1000;
const recent: string[] = [];
let duplicates = 0;
let contaminated = 0;
let other = 0;
let planted = 0;
const t1 = performance.now();
const cpu0 = process.cpuUsage();
for (let i = 0; i < PAIRS; i++) {
  const rec = makePair(i, recent);
  if (i % 50 === 0) {
    if (recent.length < 5000) recent.push(rec.question);
    else recent[Math.floor(rnd() * 5000)] = rec.question;
  }
  if (plantable.length > 0 && i % 1000 === 500) {
    const words = pick(plantable).split(/\s+/);
    words[Math.floor(rnd() * words.length)] = "zebra";
    rec.question = words.join(" ");
    planted++;
  }
  const rej = cur.admit(rec);
  if (rej) {
    if (rej.stage === "dedup") duplicates++;
    else if (rej.stage === "decontaminate") contaminated++;
    else other++;
  }
  if (i % 100_000 === 99_999) {
    await cur.commit();
    sampleRss();
  }
}
await cur.commit();
const seconds = (performance.now() - t1) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
sampleRss();
clearInterval(sampler);
const stats = cur.stats() as { dedup: { exact: number; near: number } };
await cur.close();
rmSync(state, { recursive: true, force: true });
console.log(
  JSON.stringify({
    pairs: PAIRS,
    seconds: +seconds.toFixed(1),
    pairs_per_second: Math.round(PAIRS / seconds),
    // CPU time of this process: the fair figure when other work shares the machine.
    cpu_seconds: +cpuSeconds.toFixed(1),
    benchmark_load_seconds: +loadSeconds.toFixed(2),
    benchmark_files: benchmarks.length,
    peak_rss_mb: Math.round(peakRss / 2 ** 20),
    duplicates,
    exact: stats.dedup.exact,
    near: stats.dedup.near,
    contaminated,
    planted_contaminated: planted,
    other_rejections: other,
  }),
);

/**
 * `webscale-rl curate <run-dir | file.jsonl ...> --out <dir>`: dedup, decontamination,
 * quality rules and domain balance over existing QA pairs (ours or any question/answer JSONL).
 */
import type { Command } from "commander";
import { PRESET_NAMES } from "../curate/benchmarks.js";
import { CurateConfigError, defaultCurateOptions, parseBenchmarkSpecs, parseDomainQuota, type CurateOptions } from "../curate/options.js";
import { parsePassRateBand } from "../curate/difficulty.js";
import { runCurate, type CurateProgress } from "../curate/standalone.js";

interface CurateFlags {
  out: string;
  benchmarks?: string[];
  benchmarkFields?: string[];
  ngram: string;
  nearDupThreshold: string;
  nearDupAnswerThreshold: string;
  numPerm: string;
  shingle: string;
  dedup: boolean;
  decontaminate: boolean;
  quality: boolean;
  domainQuota?: string[];
  targetPairs?: string;
  maxPerDoc?: string;
  maxAnswerWords: string;
  partRecords: string;
  progress: boolean;
  passRate?: string;
  passRateModel?: string;
  strongestModel?: string;
  allowIncomplete?: boolean;
}

function num(raw: string, flag: string, integer = true): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new Error(`${flag} must be ${integer ? "a whole number" : "a number"}, got "${raw}"`);
  return n;
}

/** Flags → CurateOptions (also used by `run` for its curate flags). */
export function curateOptionsFromFlags(f: CurateFlags): CurateOptions {
  const o: CurateOptions = {
    ...defaultCurateOptions,
    dedup: f.dedup,
    decontaminate: f.decontaminate,
    quality: f.quality,
    nearDup: {
      threshold: num(f.nearDupThreshold, "--near-dup-threshold", false),
      answerThreshold: num(f.nearDupAnswerThreshold, "--near-dup-answer-threshold", false),
      numPerm: num(f.numPerm, "--num-perm"),
      shingle: num(f.shingle, "--shingle"),
    },
    ngram: num(f.ngram, "--ngram"),
    maxAnswerWords: num(f.maxAnswerWords, "--max-answer-words"),
    benchmarks: parseBenchmarkSpecs(f.benchmarks ?? [], f.benchmarkFields ?? [], PRESET_NAMES),
    domainQuota: f.domainQuota ? parseDomainQuota(f.domainQuota) : {},
  };
  if (f.passRate !== undefined) o.difficulty = { ...parsePassRateBand(f.passRate), model: f.passRateModel, strongest: f.strongestModel };
  else if (f.passRateModel !== undefined || f.strongestModel !== undefined) throw new CurateConfigError("--pass-rate-model and --strongest-model go with --pass-rate MIN-MAX");
  if (f.targetPairs !== undefined) o.targetPairs = num(f.targetPairs, "--target-pairs");
  if (f.maxPerDoc !== undefined) o.maxPerDoc = num(f.maxPerDoc, "--max-per-doc");
  return o;
}

function printProgress(p: CurateProgress): void {
  const rate = Math.round(p.read / Math.max(p.seconds, 1e-3));
  process.stderr.write(`curate: ${p.done ? "done, " : ""}${p.read} pairs read, ${p.kept} kept, ${p.rejected} rejected (${rate}/s, ${p.seconds.toFixed(1)}s)\n`);
}

export function registerCurate(program: Command): void {
  program
    .command("curate")
    .description("Deduplicate, decontaminate against benchmarks, apply answer-quality rules and domain quotas to QA pairs; writes a curated directory (qa/, rejected/, stats.json, run.json).")
    .argument("<inputs...>", "run directories (their qa/ parts) or JSONL files with question/answer fields; files may be remote: hf://datasets/ORG/NAME/PATH, s3://BUCKET/KEY (globs too) or https://")
    .requiredOption("--out <dir>", "curated output directory (a previous curate output there is replaced)")
    .option("--benchmarks <files...>", "benchmark files (JSONL or Parquet) to decontaminate against")
    .option("--benchmark-fields <spec...>", `text fields per benchmark: [FILE=]PRESET|FIELD,FIELD (presets: ${PRESET_NAMES.join(", ")}; default auto)`)
    .option("--ngram <n>", "word n-gram length for decontamination", String(defaultCurateOptions.ngram))
    .option("--near-dup-threshold <j>", "estimated Jaccard of content words at or above which questions are near-duplicates, whatever their answers", String(defaultCurateOptions.nearDup.threshold))
    .option("--near-dup-answer-threshold <j>", "the same, lower, for pairs whose answers agree", String(defaultCurateOptions.nearDup.answerThreshold))
    .option("--num-perm <n>", "MinHash permutations", String(defaultCurateOptions.nearDup.numPerm))
    .option("--shingle <n>", "content words per MinHash shingle", String(defaultCurateOptions.nearDup.shingle))
    .option("--no-dedup", "keep exact and near duplicates")
    .option("--no-decontaminate", "skip benchmark decontamination")
    .option("--no-quality", "skip the answer-quality rules")
    .option("--domain-quota <spec...>", "per-domain caps: Coding=0.15,Other=0.05 (shares of --target-pairs) or Math=1000 (counts)")
    .option("--target-pairs <n>", "total the quota shares refer to")
    .option("--max-per-doc <n>", "at most this many pairs per source document")
    .option("--max-answer-words <n>", "longest answer (words) for types other than list/formula", String(defaultCurateOptions.maxAnswerWords))
    .option("--pass-rate <min-max>", "keep pairs whose measured pass rate (webscale-rl rollout) is in this band, both ends included, e.g. 0.1-0.9; the rest are rejected as difficulty.too_easy / too_hard, or difficulty.never_solved when the strongest model never solved them")
    .option("--pass-rate-model <name>", "whose pass rate the band applies to (default: each pair's first rollout entry)")
    .option("--strongest-model <name>", "the model whose pass rate 0 makes a pair never_solved (default: the highest mean pass rate in the inputs)")
    .option("--part-records <n>", "records per output part file", "50000")
    .option("--no-progress", "no progress lines on stderr")
    .option("--allow-incomplete", "curate run directories that are not complete (a run still going, killed or stopped) instead of refusing them")
    .addHelpText(
      "after",
      `
An input directory must be complete: every writer of the run finished (run.json status "complete").
One curate at a time per --out (.lock-curate); its run.json says "running" until the output is complete.`,
    )
    .action(async (inputs: string[], flags: CurateFlags) => {
      const options = curateOptionsFromFlags(flags);
      const partRecords = num(flags.partRecords, "--part-records");
      const curation = await runCurate({
        inputs,
        out: flags.out,
        options,
        partRecords,
        onProgress: flags.progress ? printProgress : undefined,
        allowIncomplete: flags.allowIncomplete,
        log: (m) => process.stderr.write(m + "\n"),
      });
      process.stdout.write(JSON.stringify({ out: flags.out, pairs_read: curation.pairs_read, pairs_kept: curation.pairs_kept, rejected: curation.rejected }) + "\n");
    });
}

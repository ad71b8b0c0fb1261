/** `webscale-rl export <dir> --format verl|openrlhf|trl|hf --out <path>`: flags → exportDataset. */
import { Command, Option } from "commander";
import { EXPORT_FORMATS, type ExportFormat } from "../export/formats.js";
import { exportDataset, type ExportProgress, type FileFormat } from "../export/export.js";
import { resolvePolicyPrompt } from "../export/policy-prompt.js";
import { parseTestSize } from "../export/split.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRemote } from "../io/remote/location.js";
import type { HubTarget, S3Target } from "../export/publish.js";

interface ExportFlags {
  format: ExportFormat;
  out?: string;
  pushToHub?: string;
  private?: boolean;
  stagingDir?: string;
  testSize: string;
  seed: string;
  promptTemplate?: string;
  systemPrompt?: string;
  includeSourceText?: boolean;
  dataSource: string;
  fileFormat?: FileFormat;
  shardRows?: string;
  rowGroupRows?: string;
  progress: boolean;
  allowIncomplete?: boolean;
}

function wholeNumber(raw: string, flag: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number, got "${raw}"`);
  return n;
}

function progressPrinter(enabled: boolean): (p: ExportProgress) => void {
  const started = Date.now();
  return (p) => {
    if (!enabled) return;
    if (p.phase === "index" && p.done === 0) {
      process.stderr.write("export: indexing documents/ for --include-source-text\n");
      return;
    }
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    const label = { scan: "read", index: "indexed documents:", write: "wrote" }[p.phase];
    const of = p.total !== undefined && p.phase === "write" ? ` of ${p.total}` : "";
    process.stderr.write(`export: ${label} ${p.done}${of}${p.phase === "index" ? "" : " pairs"} (${secs}s)\n`);
  };
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("Write a run's (or curated set's) QA pairs in the format an RL trainer reads: verl, OpenRLHF, TRL, or a Hugging Face dataset folder.")
    .argument("<dir>", "run or curated directory (holds qa/part-*.jsonl)")
    .addOption(new Option("--format <format>", "target trainer or dataset layout").choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .option("--out <path>", "output directory (created if missing), or s3://BUCKET/PREFIX (written locally first, then uploaded; a rerun sends only what is missing)")
    .option("--push-to-hub <org/name>", "hf only: push the dataset (Parquet shards and the card) to this Hub dataset repository in one commit; needs HF_TOKEN with write access (HF_ENDPOINT for a mirror)")
    .option("--private", "with --push-to-hub: create the repository as private")
    .option("--staging-dir <dir>", "where an export for s3:// or the Hub is written before upload and kept (default: a temporary folder, removed after the upload)")
    .option("--test-size <n>", "test split: a fraction below 1 (0.01 = 1%) or a count of pairs (500); 0 = no test split", "0.01")
    .option("--seed <n>", "seed of the train/test split", "42")
    .option("--prompt-template <text|@file>", "policy prompt; {question} is replaced by the question (default asks for the answer in <answer></answer> tags)")
    .option("--system-prompt <text|@file>", "system message put before the question")
    .option("--include-source-text", "inline the source document text (column source_text; verl: extra_info.source_text)")
    .option("--data-source <name>", "value of the data_source column", "webscale-rl")
    .addOption(new Option("--file-format <kind>", "trl only: parquet (default) or jsonl").choices(["parquet", "jsonl"]))
    .option("--shard-rows <n>", "hf only: rows per Parquet shard under data/ (default 100000)")
    .option("--row-group-rows <n>", "rows per Parquet row group (default 20000)")
    .option("--no-progress", "no progress lines on stderr")
    .option("--allow-incomplete", "export a directory that is not complete (a run still going, killed or stopped) instead of refusing it")
    .addHelpText(
      "after",
      `
Examples:
  webscale-rl export runs/r1 --format verl --out exports/verl
  webscale-rl export runs/r1 --format verl --out s3://my-bucket/rl-data/r1     # AWS credential chain; AWS_ENDPOINT_URL for MinIO/R2
  HF_TOKEN=hf_... webscale-rl export runs/r1 --format hf --push-to-hub my-org/webscale-qa --private
The input must be complete (run.json status "complete"). Files are written as *.partial and renamed
when all are complete; export.json in --out then says "complete" and lists them. Rerunning the same
command after a kill, or with other settings, replaces the previous export cleanly; a cut upload or
push is finished by running the same command again (only what is missing is sent). See docs/export.md.`,
    )
    .action(async (dir: string, flags: ExportFlags) => {
      // Every flag is checked before any work starts.
      const testSize = parseTestSize(flags.testSize);
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${flags.seed}"`);
      const shardRows = flags.shardRows === undefined ? undefined : wholeNumber(flags.shardRows, "--shard-rows");
      const rowGroupRows = flags.rowGroupRows === undefined ? undefined : wholeNumber(flags.rowGroupRows, "--row-group-rows");
      if (shardRows === 0 || rowGroupRows === 0) throw new Error("--shard-rows and --row-group-rows must be at least 1");
      if (flags.fileFormat && flags.format !== "trl") throw new Error(`--file-format applies to --format trl only`);
      if (shardRows !== undefined && flags.format !== "hf") throw new Error(`--shard-rows applies to --format hf only`);
      if (flags.pushToHub && flags.format !== "hf") throw new Error(`--push-to-hub applies to --format hf (a dataset repository with its card)`);
      if (flags.private && !flags.pushToHub) throw new Error(`--private applies to --push-to-hub only`);
      if (!flags.out && !flags.pushToHub) throw new Error(`give --out DIR (or s3://BUCKET/PREFIX), or --push-to-hub ORG/NAME`);
      const prompt = await resolvePolicyPrompt(flags.promptTemplate, flags.systemPrompt);
      // Remote destinations are checked (credentials, access, token) before any work.
      // The S3 and Hub clients load only for a remote export (they are slow to load).
      const publisher = (flags.out && isRemote(flags.out)) || flags.pushToHub ? await import("../export/publish.js") : undefined;
      const s3: S3Target | undefined = flags.out && isRemote(flags.out) ? await publisher!.openS3Target(flags.out) : undefined;
      const hub: HubTarget | undefined = flags.pushToHub ? await publisher!.openHubTarget(flags.pushToHub, Boolean(flags.private)) : undefined;
      const staged = (s3 || !flags.out) && !flags.stagingDir;
      const out = s3 || !flags.out ? (flags.stagingDir ?? mkdtempSync(join(tmpdir(), "webscale-rl-export-"))) : flags.out;

      const summary = await exportDataset({
        dir,
        format: flags.format,
        out,
        testSize,
        seed,
        prompt,
        includeSourceText: Boolean(flags.includeSourceText),
        dataSource: flags.dataSource,
        fileFormat: flags.fileFormat,
        shardRows,
        rowGroupRows,
        onProgress: progressPrinter(flags.progress),
        // A staged export is named after where it goes, not after its temporary folder.
        cardName: flags.pushToHub?.split("/")[1] ?? (s3 ? s3.loc.key.replace(/\/$/, "").split("/").pop() || s3.loc.bucket : undefined),
        allowIncomplete: flags.allowIncomplete,
        onNote: (m) => process.stderr.write(m + "\n"),
      });

      for (const [what, m] of Object.entries(summary.malformed)) {
        if (m.count === 0) continue;
        process.stderr.write(`export: skipped ${m.count} malformed ${what === "qa" ? "QA" : "document"} line(s), e.g.\n${m.examples.map((e) => `  ${e}`).join("\n")}\n`);
      }
      if (summary.sourceTextMissing > 0) {
        process.stderr.write(`export: ${summary.sourceTextMissing} pair(s) have no document in documents/; their source_text is null\n`);
      }
      if (summary.review) {
        const r = summary.review;
        process.stderr.write(`export: human review applied: ${r.rejected} rejected, ${r.edited} edited, ${r.accepted} accepted as is, ${r.rescued} brought back from rejected/\n`);
      }
      const files = summary.files.map((f) => f.path).join(", ");
      process.stdout.write(
        `export ${summary.format}: train ${summary.rows.train} rows, test ${summary.rows.test} rows; ` +
          `${summary.files.length} file(s) written: ${files}` +
          (summary.malformed.qa.count ? `; ${summary.malformed.qa.count} malformed line(s) skipped` : "") +
          "\n",
      );
      const log = (m: string) => process.stderr.write(m + "\n");
      try {
        for (const [target, publish] of [
          [s3, () => publisher!.publishToS3(out, s3!)],
          [hub, () => publisher!.publishToHub(out, hub!, `Upload ${summary.rows.train + summary.rows.test} QA pairs (webscale-rl export)`)],
        ] as const) {
          if (!target) continue;
          const res = await publish();
          const skipped = res.skipped.length ? `, ${res.skipped.length} already there` : "";
          process.stdout.write(`uploaded ${res.sent.length} file(s) to ${res.where}${skipped}${res.commit ? ` (commit ${res.commit})` : ""}\n`);
        }
      } finally {
        // A temporary staging folder goes even when the upload failed: the export is
        // deterministic, so a rerun writes the same bytes again and sends only what is missing.
        if (staged) rmSync(out, { recursive: true, force: true });
      }
      if (!staged && (s3 || hub)) log(`export: the local copy stays in ${out}`);
    });
}

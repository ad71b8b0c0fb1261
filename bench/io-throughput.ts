/**
 * Input-reader throughput: generates a ~200 MB JSON Lines corpus in a temp dir (plus
 * .gz, a Parquet shard and, when the `zstd` program exists, a .zst copy), streams each through
 * `readSources` in a fresh child process, and prints one JSON object per format:
 * { format, mb_per_s (MB of JSONL text, the same for every format), docs_per_s, peak_rss_mb }.
 * Then the same Parquet shard and .jsonl.gz read remotely, by range requests over loopback:
 * from s3rver (the S3 protocol, `s3://`) and from the project's Hub test server (`hf://`),
 * so the figures show what the remote path costs against the local file (no real network).
 *
 *   npx tsx bench/io-throughput.ts [--mb 200] [--keep] [--no-remote]
 */
import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { startFakeS3 } from "../test/support/s3-server.js";
import { startFakeHub } from "../test/support/fake-hub.js";
import { putFiles } from "../test/support/remote-corpus.js";
import { createWriteStream, mkdtempSync, rmSync, statSync, createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { parquetWriteFile } from "hyparquet-writer";
import { expandInputSpecs, readSources } from "../src/io/sources/index.js";

const WORDS = "the of and to in is was for on that with as by at from his her it an are were which this be or has had not but also first new after one two who their they its time year other many into more over most during".split(" ");

function makeText(seed: number): string {
  // Deterministic pseudo-random prose of 1-6 KB with some non-ASCII, like web text.
  let x = seed * 2654435761 >>> 0;
  const next = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
  const words = 150 + (next() % 800);
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    parts.push(WORDS[next() % WORDS.length]);
    if (i % 17 === 16) parts.push(i % 3 ? "café.\n" : "— naïve 中文.\n");
  }
  return parts.join(" ");
}

async function generate(file: string, targetBytes: number): Promise<{ bytes: number; docs: number }> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let docs = 0;
  while (bytes < targetBytes) {
    const rec = {
      id: docs % 10 === 9 ? undefined : `https://site${docs % 997}.example/page/${docs}`,
      text: makeText(docs),
      metadata: { url: `https://site${docs % 997}.example/page/${docs}`, language: "en", score: (docs % 100) / 100 },
      source: "bench",
    };
    const line = JSON.stringify(rec) + "\n";
    bytes += Buffer.byteLength(line);
    docs++;
    if (!out.write(line)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { bytes, docs };
}

async function measure(file: string, uncompressedBytes: number): Promise<void> {
  const start = process.hrtime.bigint();
  let docs = 0;
  let bad = 0;
  const files = file.includes("://") ? await expandInputSpecs([file]) : [file];
  for await (const item of readSources(files, { textField: "text", idField: "id" })) {
    if (item.kind === "doc") docs++;
    else bad++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ docs, bad, seconds, mb_per_s: uncompressedBytes / 1e6 / seconds, docs_per_s: docs / seconds, peak_rss_mb: Math.round(peakRssMb) }));
}

/** The same documents as a Parquet shard (snappy, 5,000-row groups), as HF datasets ship them. */
function writeParquet(file: string, docs: number): void {
  const ids: (string | null)[] = [];
  const texts: string[] = [];
  const urls: string[] = [];
  for (let i = 0; i < docs; i++) {
    ids.push(i % 10 === 9 ? null : `https://site${i % 997}.example/page/${i}`);
    texts.push(makeText(i));
    urls.push(`https://site${i % 997}.example/page/${i}`);
  }
  parquetWriteFile({
    filename: file,
    rowGroupSize: 5000,
    columnData: [
      { name: "id", data: ids, type: "STRING", nullable: true },
      { name: "text", data: texts, type: "STRING" },
      { name: "url", data: urls, type: "STRING" },
    ],
  });
}

function hasZstd(): boolean {
  return spawnSync("zstd", ["--version"]).status === 0;
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--measure") return measure(args[1], Number(args[2]));
  const mbArg = args.indexOf("--mb");
  const targetMb = mbArg >= 0 ? Number(args[mbArg + 1]) : 200;
  const dir = mkdtempSync(join(tmpdir(), "io-bench-"));
  try {
    const plain = join(dir, "corpus.jsonl");
    const { bytes, docs } = await generate(plain, targetMb * 1e6);
    const files: { format: string; file: string }[] = [{ format: "jsonl", file: plain }];
    await pipeline(createReadStream(plain), createGzip({ level: 1 }), createWriteStream(plain + ".gz"));
    files.push({ format: "jsonl.gz", file: plain + ".gz" });
    if (hasZstd()) {
      spawnSync("zstd", ["-q", "-f", "-3", plain, "-o", plain + ".zst"], { stdio: "inherit" });
      files.push({ format: "jsonl.zst", file: plain + ".zst" });
    } else {
      console.error("zstd not installed: .zst not measured");
    }
    writeParquet(join(dir, "corpus.parquet"), docs);
    files.push({ format: "parquet", file: join(dir, "corpus.parquet") });
    const remote: { format: string; file: string; env: Record<string, string>; local: string }[] = [];
    const servers: { close(): Promise<void> }[] = [];
    if (!args.includes("--no-remote")) {
      // The same bytes behind real protocol servers on loopback (range reads, 8 MiB each).
      const s3 = await startFakeS3(["bench"]);
      servers.push(s3);
      const shards = { "corpus.parquet": join(dir, "corpus.parquet"), "corpus.jsonl.gz": plain + ".gz" };
      await putFiles(s3, "bench", "", shards);
      const hub = await startFakeHub();
      servers.push(hub);
      hub.commit("bench/corpus", Object.fromEntries(Object.entries(shards).map(([k, v]) => [k, readFileSync(v)])));
      const hubEnv = { HF_ENDPOINT: hub.url };
      remote.push(
        { format: "parquet via s3:// (s3rver, loopback)", file: "s3://bench/corpus.parquet", env: s3.env, local: shards["corpus.parquet"] },
        { format: "parquet via hf:// (Hub test server, loopback)", file: "hf://datasets/bench/corpus/corpus.parquet", env: hubEnv, local: shards["corpus.parquet"] },
        { format: "jsonl.gz via s3:// (s3rver, loopback)", file: "s3://bench/corpus.jsonl.gz", env: s3.env, local: shards["corpus.jsonl.gz"] },
      );
    }
    const runs = [...files.map((f) => ({ ...f, env: {} as Record<string, string>, local: f.file })), ...remote];
    for (const { format, file, env, local } of runs) {
      // A fresh process per format so peak RSS belongs to that format alone; asynchronous, so
      // that the servers in this process keep answering.
      const child = await promisify(execFile)(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--measure", file, String(bytes)], {
        encoding: "utf8",
        env: { ...process.env, ...env },
        maxBuffer: 1 << 24,
      }).catch((err: { stderr?: string }) => {
        throw new Error(`measuring ${format} failed: ${err.stderr}`);
      });
      const result = JSON.parse(child.stdout.trim().split("\n").at(-1)!);
      const round = (n: number) => Math.round(n * 10) / 10;
      console.log(
        JSON.stringify({
          format,
          file_mb: round(statSync(local).size / 1e6),
          uncompressed_mb: round(bytes / 1e6),
          docs,
          mb_per_s: round(result.mb_per_s),
          // The file's own bytes per second (what crossed the network for a remote read).
          file_mb_per_s: round(statSync(local).size / 1e6 / result.seconds),
          docs_per_s: Math.round(result.docs_per_s),
          peak_rss_mb: result.peak_rss_mb,
          seconds: round(result.seconds),
        }),
      );
    }
    for (const s of servers) await s.close();
  } finally {
    if (!args.includes("--keep")) rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  }
}

await main();

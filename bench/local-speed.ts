/**
 * How fast llama.cpp prefills and decodes a model on this machine, with the threads the local
 * engine would choose (src/llm/threads.ts): prompt tokens per second on an empty sequence, and
 * reply tokens per second for one sequence and for as many as the engine runs side by side (one
 * per core), which decode in one batch. With bench/local-engine.ts's tokens per document this
 * gives a run's expected duration (docs/local-engine.md).
 *
 *   npx tsx bench/local-speed.ts [--model-file m.gguf | --shape qwen2.5-1.5b] [--prompt 512]
 *       [--reply 32] [--threads n]
 *
 * `--shape qwen2.5-1.5b` writes a random-weight GGUF of the embedded default's shape
 * (bench/support/shape-gguf.ts, ~0.9 GB in the temp folder, deleted after): the same work per
 * token as Qwen2.5-1.5B-Instruct Q4_K_M, for machines that cannot download it. Default: the
 * shared tiny llama, ../shared/data/models/llama-2-tiny-random.gguf. Prints one JSON line.
 * Wall-clock figures depend on the machine and on its load, which is printed with them. The
 * `_per_cpu_s` figures divide by the CPU time the process used instead: on a busy machine a
 * thread gets a fraction of a core, and tokens per CPU-second are what one idle core would do
 * (with one thread, which does not spin; with more, spinning inflates the CPU time).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { getLlama, LlamaLogLevel, type LlamaContextSequence, type Token } from "node-llama-cpp";
import { planThreads } from "../src/llm/threads.js";
import { QWEN25_1_5B, writeShapeGguf } from "./support/shape-gguf.js";

function parseOptions() {
  return parseArgs({
    options: {
      "model-file": { type: "string" },
      shape: { type: "string" },
      prompt: { type: "string", default: "512" },
      reply: { type: "string", default: "32" },
      threads: { type: "string" },
    },
  });
}
const REPO = resolve(import.meta.dirname, "..");
const SHARED_TINY = resolve(REPO, "../shared/data/models/llama-2-tiny-random.gguf");
const SHAPES = { "qwen2.5-1.5b": QWEN25_1_5B };
const fail = (m: string): never => {
  process.stderr.write(`bench local-speed: ${m}\n`);
  process.exit(2);
};

// A mistyped flag is one line, not parseArgs' stack trace.
const values = (() => {
  try {
    return parseOptions().values;
  } catch (err) {
    return fail(`${(err as Error).message.split("\n")[0]} (flags: --model-file, --shape, --prompt, --reply, --threads)`);
  }
})();

const count = (v: string | undefined, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) fail(`${flag} takes a whole number (got ${v})`);
  return n;
};
const promptTokens = count(values.prompt, "--prompt")!;
const replyTokens = count(values.reply, "--reply")!;
const threads = count(values.threads, "--threads");
const scratch = mkdtempSync(join(os.tmpdir(), "wsrl-speed-"));
let modelFile: string;
let label: string;
if (values.shape) {
  const shape = SHAPES[values.shape as keyof typeof SHAPES] ?? fail(`unknown --shape ${values.shape} (known: ${Object.keys(SHAPES).join(", ")})`);
  modelFile = join(scratch, `${shape.name}.gguf`);
  process.stderr.write(`writing a random-weight ${values.shape} GGUF to ${modelFile} ...\n`);
  writeShapeGguf(modelFile, shape);
  label = `random weights in the shape of ${values.shape} (Q4_0)`;
} else {
  modelFile = resolve(values["model-file"] ?? SHARED_TINY);
  if (!existsSync(modelFile)) fail(`no model file at ${modelFile}${values["model-file"] ? "" : " (give --model-file or --shape)"}`);
  label = modelFile;
}

/** `n` tokens of the example corpus' prose, as a prompt. */
function promptOf(tokenize: (t: string) => Token[], n: number): Token[] {
  const text = readFileSync(join(REPO, "examples/corpus.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l).text as string)
    .join("\n\n");
  const tokens = tokenize(text);
  if (tokens.length < n) fail(`the example corpus is only ${tokens.length} tokens; ask for fewer with --prompt`);
  return tokens.slice(0, n);
}

async function decode(seq: LlamaContextSequence, start: Token[], n: number): Promise<void> {
  let i = 0;
  for await (const _token of seq.evaluate(start, { temperature: 0 })) if (++i >= n) break;
}

try {
  const load = os.loadavg()[0]!;
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
  const plan = threads ? { threads, why: "as asked" } : planThreads({ cores: llama.cpuMathCores, load, env: process.env.WEBSCALE_RL_THREADS });
  const parallel = Math.max(1, llama.cpuMathCores);
  const t0 = performance.now();
  const model = await llama.loadModel({ modelPath: modelFile });
  const loadSeconds = (performance.now() - t0) / 1000;
  const context = await model.createContext({ sequences: parallel, contextSize: promptTokens + replyTokens + 64, threads: plan.threads });
  const seqs = Array.from({ length: parallel }, () => context.getSequence());
  const prompt = promptOf((t) => model.tokenize(t), promptTokens);

  /** Wall and CPU seconds of `work`. */
  const timed = async (work: () => Promise<unknown>) => {
    const t = performance.now();
    const c = process.cpuUsage();
    await work();
    const cpu = process.cpuUsage(c);
    return { wall: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
  };
  const prefill = await timed(() => seqs[0]!.evaluateWithoutGeneratingNewTokens(prompt));
  // One sequence alone, then all of them side by side, each continuing from a one-token prompt.
  const one = await timed(() => decode(seqs[0]!, [prompt[0]!], replyTokens));
  for (const s of seqs) await s.clearHistory();
  const all = await timed(() => Promise.all(seqs.map((s, i) => decode(s, [prompt[i]!], replyTokens))));

  const r = (x: number) => Math.round(x * 10) / 10;
  process.stdout.write(
    JSON.stringify({
      bench: "local-speed",
      model: label,
      cores: llama.cpuMathCores,
      threads: plan.threads,
      threads_why: plan.why,
      load_before: r(load),
      load_after: r(os.loadavg()[0]!),
      load_seconds: r(loadSeconds),
      prompt_tokens: promptTokens,
      reply_tokens: replyTokens,
      prefill_tokens_per_s: r(promptTokens / prefill.wall),
      prefill_tokens_per_cpu_s: r(promptTokens / prefill.cpu),
      decode_tokens_per_s_one_sequence: r(replyTokens / one.wall),
      decode_tokens_per_cpu_s_one_sequence: r(replyTokens / one.cpu),
      decode_sequences: parallel,
      decode_tokens_per_s_all_sequences: r((replyTokens * parallel) / all.wall),
      decode_tokens_per_cpu_s_all_sequences: r((replyTokens * parallel) / all.cpu),
    }) + "\n",
  );
  await llama.dispose();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

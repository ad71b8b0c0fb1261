/** `webscale-rl reward score|serve`: verify a policy's answer against the ground truth (docs/reward.md). */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { buildJudge, type JudgeSettings } from "../reward/judge-config.js";
import { Scorer, type ScoreOptions } from "../reward/score.js";
import { startRewardServer } from "../reward/server.js";

/** The reward's judge and rule flags, shared by `reward score`, `reward serve` and `rollout`. */
export interface ScoringFlags {
  judgeBaseUrl?: string;
  judgeModel?: string;
  judgeApiKey?: string;
  judgeConcurrency?: number;
  judgeTimeoutMs?: number;
  judgeCacheSize?: number;
  judgeMaxTokens?: number;
  relTol?: number;
  f1Threshold?: number;
  disjoint?: "mismatch" | "undecided";
  /** false with --no-server-check. */
  serverCheck?: boolean;
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${v}"`);
    return n;
  };
}
function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
}

export function addScoringOptions(cmd: Command): Command {
  return cmd
    .option("--judge-base-url <url>", "OpenAI-compatible endpoint of the judge for pairs the rules leave undecided (…/v1)")
    .option("--judge-model <name>", "judge model name")
    .option("--judge-api-key <key>", "judge API key (default: $WEBSCALE_RL_JUDGE_API_KEY or $OPENAI_API_KEY)")
    .option("--judge-concurrency <n>", "judge requests in flight at most", positiveInt("--judge-concurrency"), 32)
    .option("--judge-timeout-ms <ms>", "judge request timeout", positiveInt("--judge-timeout-ms"), 60_000)
    .option("--judge-cache-size <n>", "judge verdicts kept in the in-memory LRU cache", positiveInt("--judge-cache-size"), 100_000)
    .option("--judge-max-tokens <n>", "reply token limit of a judge call (raise it for reasoning models)", positiveInt("--judge-max-tokens"), 64)
    .option("--rel-tol <x>", "relative tolerance of the number rule", positiveNumber("--rel-tol"), 1e-6)
    .option("--f1-threshold <x>", "token F1 at or above which two texts match", positiveNumber("--f1-threshold"), 0.9)
    .option("--no-server-check", "skip the start-up check of the model servers (the policy's and the judge's: their model list, the key)")
    .option("--disjoint <verdict>", 'verdict for texts sharing no word: "undecided" (the judge decides: "fall" may be "autumn") or "mismatch" (fewer judge calls; such other names score 0)', "undecided");
}

/** `log` receives the first judge failure of each kind (the server logs them; `score` reports its one failure itself). */
export async function scoreOptions(f: ScoringFlags, log?: (line: string) => void): Promise<ScoreOptions> {
  if (f.disjoint !== "mismatch" && f.disjoint !== "undecided") throw new Error(`--disjoint must be "mismatch" or "undecided", got "${f.disjoint}"`);
  if (f.f1Threshold !== undefined && f.f1Threshold > 1) throw new Error(`--f1-threshold must be at most 1, got ${f.f1Threshold}`);
  const settings: JudgeSettings = {
    baseUrl: f.judgeBaseUrl,
    model: f.judgeModel,
    apiKey: f.judgeApiKey ?? process.env.WEBSCALE_RL_JUDGE_API_KEY ?? process.env.OPENAI_API_KEY,
    concurrency: f.judgeConcurrency,
    timeoutMs: f.judgeTimeoutMs,
    cacheSize: f.judgeCacheSize,
    maxTokens: f.judgeMaxTokens,
    log,
    checkServer: f.serverCheck !== false,
  };
  return { judge: await buildJudge(settings), relTol: f.relTol, f1Threshold: f.f1Threshold, disjoint: f.disjoint };
}

export function registerReward(program: Command): void {
  const reward = program.command("reward").description("Score a policy's answer against the ground truth: rules first, an LLM judge only for undecided pairs");

  addScoringOptions(
    reward
      .command("score")
      .description("score one response and print how it was decided")
      .requiredOption("--ground-truth <text>", 'the ground truth; " | " separates several accepted forms')
      .option("--response <text>", "the policy's output (the final answer is extracted from it)")
      .option("--response-file <path>", "read the policy's output from a file (- = stdin)")
      .option("--question <text>", "the question (given to the judge)")
      .option("--aliases <forms>", 'more accepted forms, " | "-separated')
      .option("--ordered", "the answer is a sequence: the items must come in the same order")
      .option("--unordered", "the answer is a set: any order of the items is right")
      .option("--json", "print the full result as JSON"),
  ).action(async (f: ScoringFlags & { groundTruth: string; response?: string; responseFile?: string; question?: string; aliases?: string; json?: boolean; ordered?: boolean; unordered?: boolean }) => {
    if (f.ordered && f.unordered) throw new Error("give at most one of --ordered and --unordered");
    if (f.unordered) f.ordered = false;
    if ((f.response === undefined) === (f.responseFile === undefined)) throw new Error("give exactly one of --response or --response-file");
    const response = f.response ?? readFileSync(f.responseFile === "-" ? 0 : f.responseFile!, "utf8");
    const opts = await scoreOptions(f);
    const scorer = new Scorer(opts);
    try {
      const r = await scorer.score({
        groundTruth: f.groundTruth,
        response,
        question: f.question,
        aliases: f.aliases ? f.aliases.split(" | ") : undefined,
        ordered: f.ordered,
      });
      if (f.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
      else if (r.judge_error) {
        // No "score: 0" here: a failed judge gives no reward, and the exit code says so.
        process.stdout.write(`score: none (the judge failed)\nverdict: ${r.verdict}\nundecided by rules (${r.rule})\n`);
        process.stdout.write(`extracted: ${JSON.stringify(r.extracted)} (${r.extraction})\n`);
      } else {
        const how = r.decided_by === "alias" ? `alias via ${r.rule}` : r.decided_by === "none" ? `undecided by rules (${r.rule}); no judge` : r.decided_by;
        process.stdout.write(`score: ${r.score}\nverdict: ${r.verdict}\ndecided by: ${how}${r.cached ? " (cached)" : ""}\n`);
        process.stdout.write(`extracted: ${JSON.stringify(r.extracted)} (${r.extraction})\n`);
        if (r.matched !== undefined) process.stdout.write(`matched: ${JSON.stringify(r.matched)}\n`);
      }
      if (r.judge_error) {
        process.exitCode = 3;
        throw new Error(`the judge failed (${r.judge_error_kind}), so there is no reward: ${r.judge_error}`);
      }
    } finally {
      await opts.judge?.client.close();
    }
  });

  addScoringOptions(
    reward
      .command("serve")
      .description("serve rewards over HTTP: POST /get_reward (OpenRLHF), POST /score (verl, TRL), GET /health, GET /stats")
      .option("--port <n>", "port", (v) => Number(v), 8000)
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("--max-queue <n>", "requests admitted at once; more get 503 + Retry-After", positiveInt("--max-queue"), 256)
      .option("--max-body-mb <n>", "largest request body in MiB", positiveNumber("--max-body-mb"), 32)
      .option("--body-timeout-ms <ms>", "time to receive a request body before 408 (the request takes a queue slot only once its body is in)", positiveInt("--body-timeout-ms"), 30_000),
  ).action(async (f: ScoringFlags & { port: number; host: string; maxQueue: number; maxBodyMb: number; bodyTimeoutMs: number }) => {
    if (!Number.isInteger(f.port) || f.port < 0 || f.port > 65535) throw new Error(`--port must be 0-65535, got ${f.port}`);
    const opts = await scoreOptions(f, (line) => process.stderr.write(`reward server: ${line}\n`));
    const server = await startRewardServer({
      scorer: new Scorer(opts),
      host: f.host,
      port: f.port,
      maxQueue: f.maxQueue,
      maxBodyBytes: Math.round(f.maxBodyMb * 1024 * 1024),
      bodyTimeoutMs: f.bodyTimeoutMs,
    });
    process.stderr.write(`reward server listening on ${server.url} (judge: ${opts.judge ? f.judgeModel : "none"}, max queue ${f.maxQueue})\n`);
    const stop = () => {
      process.stderr.write("reward server stopping\n");
      void server.close().then(() => opts.judge?.client.close()).then(() => process.exit(0));
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

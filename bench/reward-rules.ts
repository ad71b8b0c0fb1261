/**
 * Rule-path throughput on one core: scores per second for a mix of policy outputs (answer tags,
 * boxed, answer lines; numbers, dates, lists, names) that the rules decide, each with its
 * question as in training. Prints JSON. Two workloads: a server-like one where ground truths
 * repeat (16 rollouts per prompt, parsed truths cached) and a cold one where every ground truth
 * is new. Each reports wall-clock and CPU-time throughput: on a shared machine the CPU figure
 * (this process's own user+system time) is the steadier one.
 */
import { Scorer, type RewardInput } from "../src/reward/score.js";

const PAIRS: Array<[string, string, string]> = [
  ["1,200 km", "The distance is about 1200 kilometers.\n<answer>1200 kilometers</answer>", "How long is the road from A to B?"],
  ["1990", "He was born in 1909, so...\n<answer>1909</answer>", "In which year was the author born?"],
  ["March 5, 1990", "Answer: 1990-03-05", "On what date did the bridge open?"],
  ["Paris", "The capital is Paris.\n<answer>Paris</answer>", "Which city is the capital of France?"],
  ["Paris", "<answer>Lyon</answer>", "Which city is the capital of France?"],
  ["3/4", "\\boxed{0.75}", "What fraction of the tank is full?"],
  ["apples, bananas and cherries", "<answer>cherries, apples and bananas</answer>", "Which three fruits does the recipe use?"],
  ["The Beatles", "Final answer: Beatles", "Which band recorded the album?"],
  ["United States of America", "<answer>USA</answer>", "Which country hosted the games?"],
  ["42", "Let me think step by step about the problem. 6 times 7 is 42.\n<answer>42</answer>", "How many boxes are there in all?"],
  ["$1.2 million", "<answer>1,200,000 dollars</answer>", "How much did the project cost?"],
  ["Onion | Onions", "<answer>onions</answer>", "Which vegetable is caramelised first?"],
];

function run(label: string, n: number, freshTruths: boolean) {
  const scorer = new Scorer();
  const inputs: RewardInput[] = [];
  for (let i = 0; i < 8192; i++) {
    const [g, r, question] = PAIRS[i % PAIRS.length];
    // Cold: 8192 distinct ground-truth strings (surrounding whitespace, which the rules trim) cycled
    // through a 4096-entry cache, so every truth is parsed afresh.
    inputs.push({ groundTruth: freshTruths ? " ".repeat(i % 64) + g + " ".repeat(Math.floor(i / 64)) : g, response: r, question });
  }
  for (let i = 0; i < 20_000; i++) scorer.scoreRules(inputs[i % inputs.length]); // warm-up
  let decided = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (scorer.scoreRules(inputs[i % inputs.length]).verdict !== "undecided") decided++;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return {
    workload: label,
    scores: n,
    decided_share: decided / n,
    seconds: Math.round(secs * 1000) / 1000,
    scores_per_second: Math.round(n / secs),
    cpu_seconds: Math.round(cpuSecs * 1000) / 1000,
    scores_per_cpu_second: Math.round(n / cpuSecs),
  };
}

const n = Number(process.argv[2] ?? 300_000);
const results = [run("repeated_truths", n, false), run("cold_truths", Math.round(n / 3), true)];
console.log(JSON.stringify({ bench: "reward-rules", node: process.version, target_per_second: 50_000, results }, null, 2));

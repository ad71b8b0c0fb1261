/**
 * Promote an accepted pair into a demonstration library folder (`--demos-out`, the format
 * of data/demos/, read by the next run's `--demos`). A demo's material must be short (the
 * library's 40–120 words: it is sent with every generate call) and must support the answer,
 * so it is cut from the source passage around the evidence, whole sentences where possible.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AnswerType } from "../records.js";
import { Demo, domainSlug } from "../prompts/demo-record.js";
import type { ReviewDecision } from "./decisions.js";
import { evidenceRanges, type ReviewItem } from "./items.js";

const MAX_WORDS = 120;
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/** The sentences around the first evidence, grown alternately after and before it up to MAX_WORDS. */
export function supportingMaterial(passage: string, evidence: Array<[number, number]>): string | undefined {
  if (evidence.length === 0) return undefined;
  const text = passage.replace(/^… /, "").replace(/ …$/, "");
  const shift = passage.startsWith("… ") ? 2 : 0;
  const at = evidence[0][0] - shift;
  const sentences: Array<{ start: number; text: string }> = [];
  const re = /[^.!?]+(?:[.!?]+|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].trim()) sentences.push({ start: m.index, text: m[0].trim() });
    if (m[0].length === 0) re.lastIndex++;
  }
  let i = sentences.findIndex((s, k) => s.start <= at && (k + 1 === sentences.length || sentences[k + 1].start > at));
  if (i < 0) i = 0;
  let lo = i;
  let hi = i;
  let n = words(sentences[i].text);
  for (let grew = true; grew; ) {
    grew = false;
    for (const side of [1, -1]) {
      const k = side === 1 ? hi + 1 : lo - 1;
      if (k < 0 || k >= sentences.length) continue;
      const w = words(sentences[k].text);
      if (n + w > MAX_WORDS) continue;
      n += w;
      if (side === 1) hi = k;
      else lo = k;
      grew = true;
    }
  }
  let material = sentences.slice(lo, hi + 1).map((s) => s.text).join(" ");
  // One sentence longer than the limit: keep the words around the evidence.
  if (words(material) > MAX_WORDS) material = material.split(/\s+/).slice(0, MAX_WORDS).join(" ") + " …";
  return material;
}

/** Builds the demo for an accepted (or edited) pair and appends it; returns the file, or throws with what to do. */
export function promoteToDemos(demosOut: string, item: ReviewItem, d: ReviewDecision | undefined): string {
  if (!d || (d.decision !== "accept" && d.decision !== "edit")) throw new Error("only a pair you accepted or edited can become a demo: accept it first");
  if (item.passage === undefined) throw new Error("the run kept no source text for this pair, and a demo needs its material");
  const answer = d.answer ?? item.answer;
  // An edited answer needs its own evidence: the old answer's place proves nothing about it.
  const material = supportingMaterial(item.passage, d.answer ? evidenceRanges(item.passage, [d.answer]) : item.evidence);
  if (!material) throw new Error("the answer does not stand in the source passage, so no material supports it: a demo must show where its answer comes from");
  const type = AnswerType.safeParse(item.answer_type);
  const demo = Demo.parse({
    domain: item.domain,
    material,
    persona: item.persona_focus ? `${item.persona}, wants ${item.persona_focus}` : item.persona || "curious reader",
    question: d.question ?? item.question,
    answer,
    answer_type: type.success ? type.data : "other",
    ...(item.aliases.length && !d.answer ? { aliases: item.aliases } : {}),
  });
  mkdirSync(demosOut, { recursive: true });
  const file = join(demosOut, `${domainSlug(item.domain)}.jsonl`);
  if (existsSync(file) && readFileSync(file, "utf8").split("\n").some((l) => l.trim() && (JSON.parse(l) as { question?: string }).question === demo.question)) {
    throw new Error(`already in ${file}`);
  }
  appendFileSync(file, JSON.stringify(demo) + "\n");
  return file;
}

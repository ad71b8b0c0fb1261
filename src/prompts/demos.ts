/**
 * The domain demonstration library: data/demos/<slug>.jsonl shipped with the package, plus
 * an optional user folder (--demos DIR) whose files add domains or replace the shipped ones.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Demo, domainSlug } from "./demo-record.js";
import { fnv1a32 } from "../util/hash.js";

/** src/prompts and dist/prompts are both two levels below the package root. */
export const BUILTIN_DEMOS_DIR = resolve(fileURLToPath(new URL("../../data/demos", import.meta.url)));

export type DemoLibrary = Map<string, Demo[]>;

function readDemoFile(file: string): Demo[] {
  const demos: Demo[] = [];
  readFileSync(file, "utf8")
    .split("\n")
    .forEach((line, i) => {
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
      }
      const parsed = Demo.safeParse(value);
      if (!parsed.success) throw new Error(`${file}:${i + 1}: not a demonstration: ${parsed.error.issues[0]?.message}`);
      demos.push(parsed.data);
    });
  return demos;
}

/** Loads the demos of each configured domain. A domain without any demos is allowed (zero-shot) but reported. */
export function loadDemoLibrary(domains: string[], userDir?: string): { library: DemoLibrary; missing: string[] } {
  if (userDir && !existsSync(userDir)) throw new Error(`--demos: folder not found: ${userDir}`);
  const library: DemoLibrary = new Map();
  const missing: string[] = [];
  for (const domain of domains) {
    const file = domainSlug(domain) + ".jsonl";
    const userFile = userDir ? join(userDir, file) : undefined;
    const path = userFile && existsSync(userFile) ? userFile : join(BUILTIN_DEMOS_DIR, file);
    const demos = existsSync(path) ? readDemoFile(path) : [];
    if (demos.length === 0) missing.push(domain);
    library.set(domain, demos);
  }
  return { library, missing };
}

/** A seeded choice of k demos: the same (seed, key) always picks the same demos, so resumed runs send identical prompts. */
export function sampleDemos(library: DemoLibrary, domain: string, k: number, seed: number, key: string): Demo[] {
  const pool = library.get(domain) ?? [];
  if (k <= 0 || pool.length === 0) return [];
  const scored = pool.map((d, i) => ({ d, s: fnv1a32(`${seed}\u0000${key}\u0000${i}`) }));
  scored.sort((a, b) => a.s - b.s);
  return scored.slice(0, Math.min(k, pool.length)).map((x) => x.d);
}

/**
 * Demos as they appear after the task line. The paper plan shows each demo's material,
 * persona and aliases, so the model sees a passage turned into a pair for one reader; the
 * efficient plan shows question and answer only (under a third of the tokens), since
 * everything after the document is prefilled on every call. Either way the demos show
 * answerable questions and checkable answer forms, and which lists are ordered.
 */
export function formatDemos(demos: Demo[], withMaterial: boolean): string {
  if (demos.length === 0) return "";
  const blocks = demos.map((d) => {
    const type = d.answer_type === "list" && d.ordered ? "list, ordered" : d.answer_type;
    const aliases = withMaterial && d.aliases?.length ? `; also: ${d.aliases.join(" | ")}` : "";
    const answer = `Question: ${d.question}\nAnswer: ${d.answer} (${type}${aliases})`;
    return withMaterial ? `Material: ${d.material}\nPersona: ${d.persona}\n${answer}` : answer;
  });
  return `\nExamples from other ${withMaterial ? "materials" : "documents"}:\n\n${blocks.join("\n\n")}\n`;
}

/**
 * Synthetic web documents for the pipeline benches, written to JSONL as a stream (memory stays
 * flat for any count). Lengths are log-normal around a median of 700 words with a long tail
 * capped at 20,000; about 5% are too short and 5% boilerplate, so the prefilter and filter
 * reject some. Text comes from a fixed pool of sentences (fast to generate) that carry numbers,
 * names and domain words, so the fake server's stage handlers produce pairs as for real text.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { seededRandom as rng } from "../../src/util/random.js";

export { seededRandom as rng } from "../../src/util/random.js";

const NAMES = ["Okafor", "Lindqvist", "Marsh", "Tanaka", "Ribeiro", "Haddad", "Novak", "Clarke", "Moreau", "Iyer", "Kowalski", "Brennan"];
const PLACES = ["Aberdeen", "Porto", "Kyoto", "Lagos", "Tucson", "Tromso", "Ghent", "Mysore", "Valparaiso", "Halifax"];
const SUBJECTS = [
  "the engineer measured the voltage of the battery",
  "the council surveyed citizens about the election",
  "the patient received a daily dose of the treatment",
  "the students sat the admission exam at the university",
  "the market price of copper rose with inflation",
  "the species of moss absorbed light for photosynthesis",
  "the bridge carried a steel load across the river",
  "the function returned an array from the loop",
  "the museum sold tickets to visitors on the trip",
  "the proof used a theorem about the sum of integers",
];
const TAILS = ["over a period of", "at a cost of", "with a margin of", "in a sample of", "for a total of", "within a range of"];
const UNITS = ["kilometres", "dollars", "patients", "volts", "tonnes", "students", "hours", "species", "lines of code", "percent"];

function sentencePool(size: number): string[] {
  const r = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: size }, () => {
    const year = 1950 + Math.floor(r() * 74);
    const n = 2 + Math.floor(r() * 9000);
    return `In ${year}, in ${pick(PLACES)}, ${pick(SUBJECTS)} led by ${pick(NAMES)}, ${pick(TAILS)} ${n} ${pick(UNITS)}.`;
  });
}

const BOILER = "Subscribe to our newsletter. Accept cookies. Privacy policy. Sign in. Menu. Click here. Buy now.";

export interface CorpusOptions {
  docs: number;
  seed?: number;
  medianWords?: number;
  sigma?: number;
  maxWords?: number;
}

/** Writes `docs` JSONL lines; returns the byte count. */
export async function writeCorpus(path: string, o: CorpusOptions): Promise<{ bytes: number; words: number }> {
  const r = rng(o.seed ?? 1);
  const pool = sentencePool(4096);
  const median = o.medianWords ?? 700;
  const sigma = o.sigma ?? 0.9;
  const maxWords = o.maxWords ?? 20_000;
  const out = createWriteStream(path);
  let bytes = 0;
  let words = 0;
  let buf = "";
  for (let i = 0; i < o.docs; i++) {
    const u = r();
    let text: string;
    if (u < 0.05) text = pool[Math.floor(r() * pool.length)]!; // too short: the prefilter drops it
    else {
      // Box–Muller normal → log-normal word count.
      const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      const target = Math.min(maxWords, Math.max(60, Math.round(median * Math.exp(sigma * z))));
      const parts: string[] = [];
      let n = 0;
      let para = 0;
      if (u < 0.1) parts.push(BOILER, BOILER, BOILER); // boilerplate: the filter drops it
      while (n < target) {
        const s = pool[Math.floor(r() * pool.length)]!;
        parts.push(s);
        n += 16;
        if (++para % 6 === 0) parts.push("\n\n");
      }
      words += n;
      text = parts.join(" ");
    }
    const line = JSON.stringify({ id: `syn-${i}`, text, url: `https://example.org/doc/${i}` }) + "\n";
    bytes += Buffer.byteLength(line);
    buf += line;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, "drain");
      buf = "";
    }
  }
  out.write(buf);
  out.end();
  await once(out, "finish");
  return { bytes, words };
}

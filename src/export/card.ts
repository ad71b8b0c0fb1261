/**
 * The dataset card (README.md) of an `hf` export: YAML front matter the Hub and
 * `datasets` read (configs → data files per split, features, splits, license left for the
 * user), then what a reader needs to judge the data: domain and persona distribution, the
 * funnel that produced it, the models used, and how to cite the method.
 */
import { stringify } from "yaml";
import type { Stats } from "../records.js";
import { hfFeature, typeName, type Column } from "./columns.js";

export interface CardInput {
  name: string;
  columns: Column[];
  /** split → files relative to the card, e.g. data/train-00000-of-00001.parquet. */
  splitFiles: Record<string, string[]>;
  splitRows: Record<string, number>;
  downloadBytes: number;
  /** split → domain → rows. */
  domains: Record<string, Record<string, number>>;
  /** Most frequent personas, with the number of distinct personas seen. */
  personas: { top: [string, number][]; distinct: number; capped: boolean };
  stats?: Stats;
  statsNote?: string;
  /** stage → model, from run.json. */
  models: Record<string, string>;
  producer: string;
  testRule: string;
  includeSourceText: boolean;
}

export const CITATION_BIBTEX = `@article{cen2025webscalerl,
  title   = {Webscale-RL: Automated Data Pipeline for Scaling RL Data to Pretraining Levels},
  author  = {Cen, Zhepeng and others},
  journal = {arXiv preprint arXiv:2510.06499},
  year    = {2025},
  url     = {https://arxiv.org/abs/2510.06499}
}`;

function sizeCategory(n: number): string {
  if (n < 1_000) return "n<1K";
  if (n < 10_000) return "1K<n<10K";
  if (n < 100_000) return "10K<n<100K";
  if (n < 1_000_000) return "100K<n<1M";
  if (n < 10_000_000) return "1M<n<10M";
  return "10M<n<100M";
}

const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : "–");
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const fmt = (n: number) => n.toLocaleString("en-US");

export function frontMatter(input: CardInput): Record<string, unknown> {
  const splits = Object.keys(input.splitFiles);
  const total = splits.reduce((a, s) => a + (input.splitRows[s] ?? 0), 0);
  return {
    // Left for the user: the license depends on the corpus the pairs were drawn from.
    license: "unknown",
    language: ["en"],
    pretty_name: input.name,
    size_categories: [sizeCategory(total)],
    task_categories: ["question-answering", "text-generation"],
    tags: ["reinforcement-learning", "rlvr", "verifiable-rewards", "synthetic", "webscale-rl"],
    configs: [
      {
        config_name: "default",
        // The Hub's own convention: one glob per split over data/<split>-XXXXX-of-YYYYY.parquet.
        data_files: splits.map((split) => ({ split, path: `data/${split}-*` })),
      },
    ],
    dataset_info: {
      features: input.columns.map(hfFeature),
      splits: splits.map((name) => ({ name, num_examples: input.splitRows[name] ?? 0 })),
      download_size: input.downloadBytes,
    },
  };
}

export function renderCard(input: CardInput): string {
  const fm = stringify(frontMatter(input), { lineWidth: 0 }).replace(
    /^license: unknown$/m,
    "license: unknown # TODO: set the license of your source corpus (e.g. odc-by, cc-by-sa-4.0)",
  );
  const splits = Object.keys(input.splitFiles);
  const total = splits.reduce((a, s) => a + (input.splitRows[s] ?? 0), 0);
  const out: string[] = [`---\n${fm}---`, "", `# ${input.name}`, ""];
  out.push(
    `Verifiable question–answer pairs for reinforcement learning, mined from pretraining documents with the Webscale-RL method (Cen et al., 2025) by \`${input.producer}\`. ` +
      "Each pair comes from one source document, was written for one persona (an audience who would care about the document), and was checked by an independent verifier model (with the document) for correctness, grounding, a unique right answer and answer leakage, and by a judge that saw only the question for answerability: a reader who never saw the document must be able to reach the one short answer from the question alone.",
    "",
    `**${fmt(total)} pairs**: ${splits.map((s) => `${s} ${fmt(input.splitRows[s] ?? 0)}`).join(", ")}. ${input.testRule}`,
    "",
    "```python",
    "from datasets import load_dataset",
    'ds = load_dataset("path/to/this/folder")  # or the Hub repo id after upload',
    "```",
    "",
    "## Columns",
    "",
    "| column | type |",
    "|---|---|",
    ...input.columns.map((c) => `| \`${c.name}\` | \`${typeName(c.type)}\` |`),
    "",
  );
  if (!input.includeSourceText) out.push("The source documents are not inlined (export with `--include-source-text` to add a `source_text` column).", "");

  // Domain distribution, overall and per split.
  const domainNames = [...new Set(splits.flatMap((s) => Object.keys(input.domains[s] ?? {})))];
  const domainTotal = (d: string) => splits.reduce((a, s) => a + (input.domains[s]?.[d] ?? 0), 0);
  domainNames.sort((a, b) => domainTotal(b) - domainTotal(a) || a.localeCompare(b));
  out.push("## Domains", "", `| domain | pairs | share | ${splits.join(" | ")} |`, `|---|---:|---:|${splits.map(() => "---:").join("|")}|`);
  for (const d of domainNames) {
    out.push(`| ${cell(d)} | ${fmt(domainTotal(d))} | ${pct(domainTotal(d), total)} | ${splits.map((s) => fmt(input.domains[s]?.[d] ?? 0)).join(" | ")} |`);
  }
  out.push("");

  out.push(
    "## Personas",
    "",
    `${fmt(input.personas.distinct)}${input.personas.capped ? "+" : ""} distinct personas; the ${input.personas.top.length} most frequent:`,
    "",
    "| persona | pairs | share |",
    "|---|---:|---:|",
    ...input.personas.top.map(([p, n]) => `| ${cell(p)} | ${fmt(n)} | ${pct(n, total)} |`),
    "",
  );

  out.push("## How the data was made", "");
  if (input.stats) {
    const f = input.stats.funnel;
    const rows: [string, number | undefined][] = [
      ["documents read", f.documents_read],
      ["passed the heuristic prefilter", f.prefilter_passed],
      ["passed the LLM quality filter", f.filter_passed],
      ["domain and personas identified", f.identified],
      ["pairs generated", f.pairs_generated],
      ["pairs checked", f.pairs_checked],
      ["pairs accepted by the verifier", f.pairs_accepted],
      ["rejected pairs brought back by a reviewer", f.pairs_rescued],
      ["pairs kept by curation", f.pairs_curated],
    ];
    out.push("| stage | count | of documents read |", "|---|---:|---:|");
    for (const [label, n] of rows) if (n !== undefined) out.push(`| ${label} | ${fmt(n)} | ${label.startsWith("pairs") ? "" : pct(n, f.documents_read)} |`);
    out.push("");
    const reasons = Object.entries(input.stats.rejections).sort((a, b) => b[1] - a[1]).slice(0, 15);
    if (reasons.length) {
      out.push("Most frequent rejection reasons:", "", "| reason | count |", "|---|---:|", ...reasons.map(([r, n]) => `| \`${cell(r)}\` | ${fmt(n)} |`), "");
    }
  } else {
    out.push(input.statsNote ?? "No stats.json was found next to the pairs, so the funnel is not shown.", "");
  }
  const models = Object.entries(input.models);
  if (models.length) {
    out.push("Models per stage:", "", "| stage | model |", "|---|---|", ...models.map(([s, m]) => `| ${cell(s)} | \`${cell(m)}\` |`), "");
  }

  out.push(
    "## License",
    "",
    "Set `license:` in the front matter above: the pairs are derived from the source corpus, so its license and terms apply.",
    "",
    "## Citation",
    "",
    "The method is described in:",
    "",
    "```bibtex",
    CITATION_BIBTEX,
    "```",
    "",
  );
  return out.join("\n");
}

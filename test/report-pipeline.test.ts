/**
 * The report of runs made by the real pipeline (fake model server): the example corpus with
 * a hostile document planted in it, and, where ../shared/data exists, its real corpora.
 * Opened in headless Chromium; screenshots go to test-artifacts/.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { buildReport } from "../src/report/build.js";
import { EXAMPLES, readJsonl, runOn, SHARED_DATA, startStageServer, tempDir } from "./support/pipeline-harness.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../test-artifacts");
const HOSTILE =
  `In 1999 the harbour museum opened a gallery <script>window.__pwned = 1</script> with 42 model ships. ` +
  `The 2004 extension <img src=x onerror="window.__pwned = 2"> added 17 rooms and a library of 3,500 charts. ` +
  `Visitors in 2019 numbered 88,000, up from 61,000 in 2009, and tickets cost 12 euros for adults. ` +
  `The collection is catalogued by a team of 9 volunteers who meet every Tuesday in the old customs house.`;

async function openInChromium(file: string, screenshot: string) {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && errors.push(m.text())));
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;
    await page.goto(url, { waitUntil: "load" });
    const charts = await page.locator("svg").count();
    const pwned = await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
    return { errors, requests: requests.filter((r) => r !== url), charts, pwned, page };
  } finally {
    await browser.close();
  }
}

test("the report of a pipeline run opens cleanly and a planted payload stays text", { timeout: 180_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) return void t.skip(`${CHROMIUM} not installed: run scripts/install-test-deps.sh (Debian package chromium)`);
  const dir = tempDir();
  const corpus = join(dir, "corpus.jsonl");
  writeFileSync(corpus, readFileSync(EXAMPLES, "utf8") + JSON.stringify({ id: "hostile-museum", text: HOSTILE }) + "\n");
  const fake = await startStageServer();
  try {
    await runOn(fake, [corpus], join(dir, "run"), {}, { curate: true });
  } finally {
    await fake.close();
  }
  const hostilePairs = readJsonl(join(dir, "run", "qa")).filter((r) => r.doc_id === "hostile-museum");
  assert.ok(hostilePairs.some((r) => /<script>|<img/.test(r.question)), "a generated question carries the payload");
  const out = join(dir, "report.html");
  await buildReport({ runDir: join(dir, "run"), out });
  const res = await openInChromium(out, "report-pipeline.png");
  assert.deepEqual(res.errors, []);
  assert.deepEqual(res.requests, []);
  assert.equal(res.pwned, undefined);
  assert.ok(res.charts >= 8, `charts rendered: ${res.charts}`);
});

const CORPORA = join(SHARED_DATA, "corpora");
test(
  "the report of a run on ../shared/data/corpora (screenshot for the record)",
  { timeout: 180_000, skip: existsSync(CORPORA) ? false : `${CORPORA} not found: needs the shared data folder` },
  async (t) => {
    if (!existsSync(CHROMIUM)) return void t.skip(`${CHROMIUM} not installed`);
    const dir = tempDir();
    const inputs = ["web", "arxiv"].flatMap((d) => readdirSync(join(CORPORA, d)).filter((f) => f.endsWith(".jsonl")).map((f) => join(CORPORA, d, f)));
    const fake = await startStageServer();
    try {
      const res = await runOn(fake, inputs, join(dir, "run"), {}, { curate: true });
      assert.equal(res.stats.documents_read, 40);
    } finally {
      await fake.close();
    }
    const out = join(dir, "report.html");
    await buildReport({ runDir: join(dir, "run"), out });
    const res = await openInChromium(out, "report-shared-corpora.png");
    assert.deepEqual(res.errors, []);
    assert.deepEqual(res.requests, []);
    assert.ok(res.charts >= 8);
  },
);

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Curator, defaultCurateOptions, type CurateOptions } from "../src/curate/curator.js";
import { parseDomainQuota } from "../src/curate/options.js";
import { qa, unrelated } from "./support/curate-fixtures.js";

const opts = (o: Partial<CurateOptions>): CurateOptions => ({ ...defaultCurateOptions, decontaminate: false, ...o });

test("domain quotas (shares of --target-pairs and absolute counts) hold exactly, across reopen", async () => {
  const dir = mkdtempSync(join(tmpdir(), "curate-quota-"));
  try {
    const quota = parseDomainQuota("Coding=0.15,Math=10");
    const cur = await Curator.open(dir, opts({ domainQuota: quota, targetPairs: 100 }));
    const qs = unrelated(200);
    const kept = { Coding: 0, Math: 0, Other: 0 } as Record<string, number>;
    let skipped = 0;
    qs.forEach((q, i) => {
      const domain = ["Coding", "Math", "Other"][i % 3];
      // The orchestrator asks before generating; we admit regardless to show admission holds too.
      if (!cur.quotaAllows(domain)) skipped++;
      const rej = cur.admit(qa(`q${i}`, q, "x", { domain }));
      if (rej === null) kept[domain]++;
      else assert.equal(rej.reason, "quota.domain_full");
    });
    assert.deepEqual(kept, { Coding: 15, Math: 10, Other: 66 });
    assert.equal(cur.quotaAllows("coding"), false, "domains match case-insensitively");
    assert.equal(cur.quotaAllows("Other"), true);
    assert.ok(skipped > 0);
    const st = cur.stats() as { quota: { limits: Record<string, number>; kept_per_domain: Record<string, number>; skipped_before_generation: Record<string, number> } };
    assert.deepEqual(st.quota.limits, { Coding: 15, Math: 10 });
    assert.equal(st.quota.kept_per_domain.Coding, 15);
    await cur.close();

    const again = await Curator.open(dir, opts({ domainQuota: quota, targetPairs: 100 }));
    assert.equal(again.quotaAllows("Math"), false, "counts survive reopen");
    assert.equal(again.admit(qa("new-math", "What is the derivative of the cube of x with respect to x?", "3x^2", { domain: "Math" }))?.reason, "quota.domain_full");
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("max-per-doc caps pairs per source document, windows included", async () => {
  const dir = mkdtempSync(join(tmpdir(), "curate-quota-"));
  try {
    const cur = await Curator.open(dir, opts({ maxPerDoc: 2 }));
    const qs = unrelated(6);
    const docs = ["d1", "d1#w0", "d1#w1", "d2", "d2", "d2"];
    const reasons = qs.map((q, i) => cur.admit(qa(`m${i}`, q, "x", { doc_id: docs[i] }))?.reason ?? "kept");
    assert.deepEqual(reasons, ["kept", "kept", "quota.max_per_doc", "kept", "kept", "quota.max_per_doc"]);
    await cur.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("quota config errors stop before work with a hint", async () => {
  await assert.rejects(Curator.open("/nonexistent", opts({ domainQuota: { Coding: 0.15 } })), /add --target-pairs N/);
  await assert.rejects(Curator.open("/nonexistent", opts({ domainQuota: { Coding: 0.6, Math: 0.6 }, targetPairs: 10 })), /more than 1/);
  assert.throws(() => parseDomainQuota("Coding"), /DOMAIN=VALUE/);
});

test("curateOptionsFromConfig maps RunConfig's curate section with defaults", async () => {
  const { curateOptionsFromConfig } = await import("../src/curate/config.js");
  const o = curateOptionsFromConfig({ benchmarks: ["/b/gsm8k_test.jsonl", "/b/x.parquet"], benchmarkFields: ["gsm8k_test.jsonl=gsm8k", "question,context"], domainQuota: { Math: 10 }, maxPerDoc: 2, nearDup: { threshold: 0.9 } });
  assert.deepEqual(o.benchmarks, [{ path: "/b/gsm8k_test.jsonl", preset: "gsm8k" }, { path: "/b/x.parquet", fields: ["question", "context"] }]);
  assert.equal(o.ngram, 13);
  // A partial nearDup keeps the defaults for what it does not name.
  assert.deepEqual(o.nearDup, { ...defaultCurateOptions.nearDup, threshold: 0.9 });
  assert.equal(o.maxPerDoc, 2);
});

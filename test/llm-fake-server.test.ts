import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { startFakeOpenAI } from "./support/fake-openai-server.js";
import { valueForSchema } from "./support/fake-schema-values.js";
import { backoffDelay, retryAfterMs } from "../src/llm/retry.js";
import { jsonSchemaOf, schemaInstruction } from "../src/llm/structured.js";

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

test("fake server: routes, embeddings, prompt-mode schema detection, hang survives close()", async () => {
  const fake = await startFakeOpenAI({ model: "m" });
  assert.match(fake.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  assert.deepEqual(await (await fetch(`${fake.url}/models`)).json(), { object: "list", data: [{ id: "m", object: "model", created: 0, owned_by: "fake" }] });
  assert.equal((await fetch(fake.url.replace(/\/v1$/, "/health"))).status, 200);
  const missing = await fetch(`${fake.url}/nope`);
  assert.equal(missing.status, 404);
  assert.ok(((await missing.json()) as any).error.message);

  const emb = (await (await post(`${fake.url}/embeddings`, { input: ["red apple pie", "red apple pie", "quantum field theory"] })).json()) as any;
  const [a, b, c] = emb.data.map((d: any) => d.embedding as number[]);
  const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i], 0);
  assert.equal(a.length, 64);
  assert.ok(Math.abs(dot(a, a) - 1) < 1e-9);
  assert.deepEqual(a, b);
  assert.ok(dot(a, c) < 0.99);

  const schema = jsonSchemaOf(z.object({ title: z.string(), tags: z.array(z.string()).min(3) }));
  const doc = "Rust has no garbage collector. Ownership rules free memory.";
  const r = (await (
    await post(`${fake.url}/chat/completions`, {
      messages: [{ role: "user", content: `<document>\n${doc}\n</document>\n\nTag it.${schemaInstruction("tagging", schema)}` }],
    })
  ).json()) as any;
  const value = JSON.parse(r.choices[0].message.content);
  assert.equal(value.tags.length, 3);
  assert.equal(fake.requests.at(-1)!.mode, "prompt");
  assert.equal(fake.requests.at(-1)!.schemaName, "tagging");
  assert.equal(fake.requests.at(-1)!.document, doc);
  assert.equal(r.usage.prompt_tokens_details.cached_tokens, 0);

  fake.addFault({ kind: "hang" });
  const hung = post(`${fake.url}/chat/completions`, { messages: [{ role: "user", content: "x" }] }).then(
    () => "answered",
    () => "dropped",
  );
  while (fake.requests.at(-1)?.fault !== "hang") await new Promise((res) => setTimeout(res, 5));
  await fake.close();
  assert.equal(await hung, "dropped");
});

test("generic values satisfy the schema they were built from", () => {
  const S = z.object({
    domain: z.enum(["Math", "Other"]),
    personas: z.array(z.object({ name: z.string(), why: z.string().min(5).max(40) })).min(1).max(3),
    score: z.number().int().min(1).max(5),
    link: z.string().url(),
    note: z.string().nullable(),
    ok: z.boolean(),
    kind: z.literal("qa"),
  });
  const v = valueForSchema(jsonSchemaOf(S), "Cats sleep a lot. They purr when content.");
  assert.ok(S.safeParse(v).success, JSON.stringify(v));
  assert.deepEqual(v, valueForSchema(jsonSchemaOf(S), "Cats sleep a lot. They purr when content."));
});

test("retry-after parsing and jittered backoff", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  assert.equal(retryAfterMs(h({ "retry-after-ms": "250" })), 250);
  assert.equal(retryAfterMs(h({ "retry-after": "2" })), 2000);
  assert.equal(retryAfterMs(h({ "retry-after": new Date(10_000).toUTCString() }), 4_000), 6_000);
  assert.equal(retryAfterMs(h({})), undefined);
  const opts = { baseMs: 100, capMs: 1000 };
  assert.equal(backoffDelay(3, opts, undefined, () => 0.5), 400);
  assert.equal(backoffDelay(10, opts, undefined, () => 0.999), 999);
  assert.equal(backoffDelay(0, opts, 1234), 1234);
});

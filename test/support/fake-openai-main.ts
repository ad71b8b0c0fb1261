/**
 * Runs the fake OpenAI-compatible server standalone, for child-process tests and benchmarks.
 *   npx tsx test/support/fake-openai-main.ts [--port N] [--host H] [--model NAME]
 *       [--context-tokens N] [--reject-response-format] [--stages] [--api-key KEY] [--forbidden]
 *       [--strict-models] [--extra-model NAME]...
 * `--stages`: answer the pipeline's stages with the deterministic stage handlers
 * (fake-stage-handlers.ts) instead of schema-filled values, so a CLI run keeps pairs.
 * Prints the base URL (…/v1) on its first stdout line, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { startFakeOpenAI } from "./fake-openai-server.js";
import { stageHandlers } from "./fake-stage-handlers.js";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
    model: { type: "string" },
    "context-tokens": { type: "string" },
    "reject-response-format": { type: "boolean", default: false },
    stages: { type: "boolean", default: false },
    "api-key": { type: "string" },
    forbidden: { type: "boolean", default: false },
    "strict-models": { type: "boolean", default: false },
    "extra-model": { type: "string", multiple: true },
  },
});

const fake = await startFakeOpenAI({
  host: values.host,
  port: Number(values.port),
  model: values.model,
  contextTokens: values["context-tokens"] ? Number(values["context-tokens"]) : undefined,
  rejectResponseFormat: values["reject-response-format"],
  handlers: values.stages ? stageHandlers : undefined,
  apiKey: values["api-key"],
  forbidden: values.forbidden,
  strictModels: values["strict-models"],
  extraModels: values["extra-model"],
});
process.stdout.write(`${fake.url}\n`);

const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);

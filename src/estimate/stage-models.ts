/**
 * The model each stage of a plan would use, read from the resolved config alone: the
 * estimate must not ask a server. The rule is the engines' own: a stage's override, else the
 * defaults' model; the local engine labels its one GGUF by the configured name, else the file.
 * Without a configured name an HTTP run asks the server for its only model; the estimate
 * cannot, so that stage's model is unnamed (and its cost unknown).
 */
import { basename } from "node:path";
import type { RunConfig } from "../config/schema.js";
import { DEFAULT_LOCAL_MODEL } from "../llm/default-model.js";

/** The label of a stage whose model only the server could name. */
export const SERVER_DEFAULT_MODEL = "(the server's only model: name it with --model for a price)";

export function stageModel(config: RunConfig, stage: string): string {
  const named = config.llm.stages[stage]?.model ?? config.llm.defaults.model;
  if (named) return named;
  // As the local engine names its model: the GGUF file's name without the extension.
  if (config.llm.engine === "local") return basename(config.llm.modelFile ?? DEFAULT_LOCAL_MODEL.file).replace(/\.gguf$/i, "");
  return SERVER_DEFAULT_MODEL;
}

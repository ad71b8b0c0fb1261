/** Curation after Check: quality rules, benchmark decontamination, dedup, domain balance. */
export { Curator } from "./curator.js";
export { defaultCurateOptions, parseDomainQuota, parseBenchmarkSpecs, validateCurateOptions, CurateConfigError, type CurateOptions, type BenchmarkSpec } from "./options.js";
export { curateOptionsFromConfig, type CurateConfigInput } from "./config.js";
export { BENCHMARK_PRESETS, PRESET_NAMES } from "./benchmarks.js";
export { runCurate, type CurateJob, type CurateProgress } from "./standalone.js";

/**
 * Builds a deterministic value that satisfies a JSON schema, with strings taken from a source
 * text. The fake OpenAI server uses it to answer any structured request it has no handler for,
 * so the pipeline can run end to end without a model. Same schema + same text → same value.
 */
import { fnv1a32 } from "../../src/util/hash.js";

type Schema = Record<string, any>;

interface Ctx {
  root: Schema;
  sentences: string[];
  words: string[];
  depth: number;
}

/** Sentences and words of a text, as material for string fields. */
function material(text: string): { sentences: string[]; words: string[] } {
  const sentences = text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const words = text.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
  return { sentences, words };
}

export function valueForSchema(schema: unknown, sourceText: string): unknown {
  const { sentences, words } = material(sourceText);
  const root = (schema && typeof schema === "object" ? schema : {}) as Schema;
  return build(root, "$", { root, sentences, words, depth: 0 });
}

function resolveRef(ref: string, root: Schema): Schema {
  if (!ref.startsWith("#")) return {};
  let node: any = root;
  for (const part of ref.slice(1).split("/").filter(Boolean)) {
    node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node && typeof node === "object" ? node : {};
}

function build(schema: Schema, path: string, ctx: Ctx): unknown {
  if (ctx.depth > 20) return null; // recursive schemas: stop rather than loop
  const inner = { ...ctx, depth: ctx.depth + 1 };
  if (typeof schema.$ref === "string") return build(resolveRef(schema.$ref, ctx.root), path, inner);
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ("default" in schema && schema.type === undefined) return schema.default;
  for (const key of ["anyOf", "oneOf"] as const) {
    if (Array.isArray(schema[key]) && schema[key].length > 0) {
      // Prefer a non-null branch: a nullable field still gets a real value.
      const branch = schema[key].find((b: Schema) => b?.type !== "null") ?? schema[key][0];
      return build(branch, path, inner);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return build(Object.assign({}, ...schema.allOf), path, inner);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t: string) => t !== "null") ?? type[0];
  if (type === undefined) type = schema.properties ? "object" : schema.items ? "array" : "string";

  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        out[key] = build(sub, `${path}.${key}`, inner);
      }
      return out;
    }
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      const max = typeof schema.maxItems === "number" ? schema.maxItems : Infinity;
      const n = Math.min(max, Math.max(min, 2));
      const items = (Array.isArray(schema.prefixItems) ? null : schema.items) ?? {};
      return Array.from({ length: n }, (_, i) =>
        Array.isArray(schema.prefixItems) && schema.prefixItems[i]
          ? build(schema.prefixItems[i], `${path}[${i}]`, inner)
          : build(items, `${path}[${i}]`, inner),
      );
    }
    case "integer":
    case "number": {
      let v = type === "integer" ? 1 + (fnv1a32(path) % 5) : 0.8;
      if (typeof schema.minimum === "number" && v < schema.minimum) v = schema.minimum;
      if (typeof schema.exclusiveMinimum === "number" && v <= schema.exclusiveMinimum) v = schema.exclusiveMinimum + 1;
      if (typeof schema.maximum === "number" && v > schema.maximum) v = schema.maximum;
      if (typeof schema.exclusiveMaximum === "number" && v >= schema.exclusiveMaximum) v = schema.exclusiveMaximum - (type === "integer" ? 1 : 0.01);
      return v;
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return stringFor(schema, path, ctx);
  }
}

/** Fixed values for string formats a sentence would not satisfy. */
const FORMATS: Record<string, string> = {
  uri: "https://example.com/",
  url: "https://example.com/",
  email: "someone@example.com",
  "date-time": "2024-01-01T00:00:00Z",
  date: "2024-01-01",
  time: "00:00:00",
  uuid: "00000000-0000-4000-8000-000000000000",
};

function stringFor(schema: Schema, path: string, ctx: Ctx): string {
  if (typeof schema.format === "string" && FORMATS[schema.format]) return FORMATS[schema.format];
  const h = fnv1a32(path);
  const key = path.replace(/\[\d+\]/g, "").split(".").pop() ?? "";
  let s: string;
  if (ctx.sentences.length === 0) {
    s = `value ${key || "text"}`;
  } else if (/answer|name|label|title|persona|keyword|term|entity/i.test(key) && ctx.words.length > 0) {
    // Short fields get a short phrase: a couple of consecutive words.
    const start = h % ctx.words.length;
    s = ctx.words.slice(start, start + 2).join(" ");
  } else {
    s = ctx.sentences[h % ctx.sentences.length];
  }
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  while (s.length < minLength) s += ` ${s || "x"}`;
  if (s.length > maxLength) s = s.slice(0, maxLength);
  return s;
}

/**
 * A small column type system for the exported tables, described once and turned into
 * (a) a Parquet schema with real nested types and (b) the Hugging Face `features` of the
 * dataset card, so the file and its card can never disagree. Every field is nullable:
 * rows keep one shape and carry nulls where a value is absent.
 */
import type { SchemaElement } from "hyparquet";

export type ColumnType =
  | { kind: "string" }
  | { kind: "int64" }
  | { kind: "double" }
  | { kind: "bool" }
  | { kind: "list"; of: ColumnType }
  | { kind: "struct"; fields: Column[] };

export interface Column {
  name: string;
  type: ColumnType;
}

export const t = {
  string: { kind: "string" } as ColumnType,
  int64: { kind: "int64" } as ColumnType,
  double: { kind: "double" } as ColumnType,
  bool: { kind: "bool" } as ColumnType,
  list: (of: ColumnType): ColumnType => ({ kind: "list", of }),
  struct: (fields: Column[]): ColumnType => ({ kind: "struct", fields }),
};

export const col = (name: string, type: ColumnType): Column => ({ name, type });

/** Chat messages as every trainer reads them: list<struct<role, content>>. */
export const MESSAGES = t.list(t.struct([col("role", t.string), col("content", t.string)]));

/** Parquet schema (flattened, depth-first) with the standard 3-level LIST layout. */
export function parquetSchema(columns: Column[]): SchemaElement[] {
  const out: SchemaElement[] = [{ name: "root", num_children: columns.length }];
  const add = (name: string, type: ColumnType): void => {
    switch (type.kind) {
      case "string":
        out.push({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
        return;
      case "int64":
        out.push({ name, type: "INT64", repetition_type: "OPTIONAL" });
        return;
      case "double":
        out.push({ name, type: "DOUBLE", repetition_type: "OPTIONAL" });
        return;
      case "bool":
        out.push({ name, type: "BOOLEAN", repetition_type: "OPTIONAL" });
        return;
      case "list":
        out.push({ name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 });
        out.push({ name: "list", repetition_type: "REPEATED", num_children: 1 });
        add("element", type.of);
        return;
      case "struct":
        out.push({ name, repetition_type: "OPTIONAL", num_children: type.fields.length });
        for (const f of type.fields) add(f.name, f.type);
        return;
    }
  };
  for (const c of columns) add(c.name, c.type);
  return out;
}

/**
 * Converts a JS value to what the Parquet encoder expects (int64 → bigint), walking
 * nested types; absent values become null so the shape never changes.
 */
export function toParquetValue(type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case "int64":
      return typeof value === "bigint" ? value : BigInt(value as number);
    case "list":
      return (value as unknown[]).map((v) => toParquetValue(type.of, v));
    case "struct": {
      const src = value as Record<string, unknown>;
      const obj: Record<string, unknown> = {};
      for (const f of type.fields) obj[f.name] = toParquetValue(f.type, src[f.name]);
      return obj;
    }
    default:
      return value;
  }
}

/** Hugging Face `dataset_info.features` entry, in the YAML form the Hub writes. */
export function hfFeature(c: Column): Record<string, unknown> {
  return { name: c.name, ...hfType(c.type) };
}

function hfType(type: ColumnType): Record<string, unknown> {
  switch (type.kind) {
    case "string":
      return { dtype: "string" };
    case "int64":
      return { dtype: "int64" };
    case "double":
      return { dtype: "float64" };
    case "bool":
      return { dtype: "bool" };
    case "struct":
      return { struct: type.fields.map(hfFeature) };
    case "list":
      // A list of structs is written as `list: [fields]`; a list of scalars as `list: <dtype>`.
      if (type.of.kind === "struct") return { list: type.of.fields.map(hfFeature) };
      if (type.of.kind === "list") return { list: hfType(type.of) };
      return { list: (hfType(type.of) as { dtype: string }).dtype };
  }
}

/** A readable type name for docs and summaries, e.g. `list<struct<role: string, content: string>>`. */
export function typeName(type: ColumnType): string {
  switch (type.kind) {
    case "list":
      return `list<${typeName(type.of)}>`;
    case "struct":
      return `struct<${type.fields.map((f) => `${f.name}: ${typeName(f.type)}`).join(", ")}>`;
    default:
      return type.kind;
  }
}

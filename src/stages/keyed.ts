/**
 * Replies that hold one item per persona or pair, as an object keyed by the labels the prompt
 * shows (P1, P2… / Q1, Q2…), every key required. Unlike an array (which a model may number,
 * order or cut as it likes, and which the schema cannot tie to the prompt), the schema itself
 * then demands exactly one item per label, and a reply that misses one fails validation and
 * gets the model layer's corrective turn. Schemas are cached per (item schema, count):
 * building zod schemas per document showed in the profile.
 */
import { z } from "zod";
import type { Rejection } from "../records.js";
import type { Outcome } from "./outcome.js";

const cache = new Map<z.ZodObject, Map<string, z.ZodObject>>();

export function keyedSchema<T extends z.ZodObject>(item: T, count: number, label: (i: number) => string): z.ZodObject<Record<string, T>> {
  let byShape = cache.get(item);
  if (!byShape) cache.set(item, (byShape = new Map()));
  const key = `${label(0)}:${count}`;
  let schema = byShape.get(key);
  if (!schema) {
    const shape: Record<string, T> = {};
    for (let i = 0; i < count; i++) shape[label(i)] = item;
    byShape.set(key, (schema = z.object(shape)));
  }
  return schema as z.ZodObject<Record<string, T>>;
}

/** One outcome per item of a keyed reply; a failed call fails every item, each with the call's reason and raw text. */
export function perItem<T>(out: Outcome<Record<string, T>>, count: number, label: (i: number) => string, reject: (i: number, code: string, r: Rejection) => Rejection): Outcome<T>[] {
  return Array.from({ length: count }, (_, i): Outcome<T> => {
    if (!out.ok) return { ok: false, rejection: reject(i, out.rejection.reason.split(".").pop()!, out.rejection) };
    return { ok: true, value: out.value[label(i)]!, raw: out.raw, model: out.model };
  });
}

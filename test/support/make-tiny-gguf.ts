/**
 * Writes a tiny random-weight llama model as a GGUF v3 file, from scratch, so that the local
 * engine's tests exercise a real llama.cpp load + decode on a fresh clone with no model files.
 * The weights are random (replies are gibberish); the tokenizer is a small SentencePiece-style
 * vocabulary with byte fallback, so any text (and any JSON the grammar asks for) can be encoded.
 */
import { writeFileSync } from "node:fs";
import { seededRandom as rng } from "../../src/util/random.js";

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
const ALIGNMENT = 32;

// GGUF metadata value types.
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_STRING = 8;
const T_ARRAY = 9;

// ggml tensor type F32.
const GGML_F32 = 0;

// SentencePiece token types as llama.cpp reads them.
const TOKEN_NORMAL = 1;
const TOKEN_UNKNOWN = 2;
const TOKEN_CONTROL = 3;
const TOKEN_BYTE = 6;

type MetaValue =
  | { type: "u32"; value: number }
  | { type: "i32"; value: number }
  | { type: "f32"; value: number }
  | { type: "str"; value: string }
  | { type: "arr_str"; value: string[] }
  | { type: "arr_f32"; value: number[] }
  | { type: "arr_i32"; value: number[] };

/** Little-endian byte sink that grows as needed. */
class Writer {
  private buf = Buffer.alloc(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.bytes(new Uint8Array(pad));
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeMeta(w: Writer, key: string, v: MetaValue): void {
  w.str(key);
  switch (v.type) {
    case "u32":
      w.u32(T_UINT32);
      w.u32(v.value);
      break;
    case "i32":
      w.u32(T_INT32);
      w.i32(v.value);
      break;
    case "f32":
      w.u32(T_FLOAT32);
      w.f32(v.value);
      break;
    case "str":
      w.u32(T_STRING);
      w.str(v.value);
      break;
    case "arr_str":
      w.u32(T_ARRAY);
      w.u32(T_STRING);
      w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      break;
    case "arr_f32":
      w.u32(T_ARRAY);
      w.u32(T_FLOAT32);
      w.u64(v.value.length);
      for (const x of v.value) w.f32(x);
      break;
    case "arr_i32":
      w.u32(T_ARRAY);
      w.u32(T_INT32);
      w.u64(v.value.length);
      for (const x of v.value) w.i32(x);
      break;
  }
}


/** The vocabulary: specials, 256 byte tokens, then printable ASCII and a few word pieces. */
function buildVocab(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens: string[] = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_UNKNOWN, TOKEN_CONTROL, TOKEN_CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_BYTE);
  }
  const pieces = new Set<string>();
  for (let c = 33; c < 127; c++) pieces.add(String.fromCharCode(c));
  pieces.add("\u2581"); // SentencePiece's word-boundary marker (a space)
  for (const w of ["the", "and", "true", "false", "yes", "no", "an", "is", "of", "to", "in", "ok", "er", "on", "at"]) {
    pieces.add(w);
    pieces.add(`\u2581${w}`);
  }
  for (const p of pieces) {
    tokens.push(p);
    types.push(TOKEN_NORMAL);
  }
  // Longer pieces score higher so the tokenizer prefers them, as a trained SPM vocab would.
  const scores = tokens.map((t, i) => (types[i] === TOKEN_NORMAL ? -10 + t.length : 0));
  return { tokens, scores, types };
}

export interface TinyGgufOptions {
  embedding?: number;
  layers?: number;
  heads?: number;
  feedForward?: number;
  contextLength?: number;
  seed?: number;
}

/** Writes the model to `file`; returns the vocabulary size (useful in assertions). */
export function makeTinyGguf(file: string, opts: TinyGgufOptions = {}): { vocabSize: number } {
  const nEmbd = opts.embedding ?? 64;
  const nLayer = opts.layers ?? 2;
  const nHead = opts.heads ?? 4;
  const nFf = opts.feedForward ?? 128;
  const nCtx = opts.contextLength ?? 2048;
  const rand = rng(opts.seed ?? 1234);
  const vocab = buildVocab();
  const nVocab = vocab.tokens.length;

  const meta: [string, MetaValue][] = [
    ["general.architecture", { type: "str", value: "llama" }],
    ["general.name", { type: "str", value: "tiny-random-llama" }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["llama.context_length", { type: "u32", value: nCtx }],
    ["llama.embedding_length", { type: "u32", value: nEmbd }],
    ["llama.block_count", { type: "u32", value: nLayer }],
    ["llama.feed_forward_length", { type: "u32", value: nFf }],
    ["llama.attention.head_count", { type: "u32", value: nHead }],
    ["llama.attention.head_count_kv", { type: "u32", value: nHead }],
    ["llama.rope.dimension_count", { type: "u32", value: nEmbd / nHead }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["tokenizer.ggml.model", { type: "str", value: "llama" }],
    ["tokenizer.ggml.tokens", { type: "arr_str", value: vocab.tokens }],
    ["tokenizer.ggml.scores", { type: "arr_f32", value: vocab.scores }],
    ["tokenizer.ggml.token_type", { type: "arr_i32", value: vocab.types }],
    ["tokenizer.ggml.unknown_token_id", { type: "u32", value: 0 }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: 2 }],
  ];

  // Tensor shapes in ggml order (ne0 = the contiguous dimension).
  const tensors: { name: string; dims: number[]; init: "ones" | "random" }[] = [
    { name: "token_embd.weight", dims: [nEmbd, nVocab], init: "random" },
    { name: "output_norm.weight", dims: [nEmbd], init: "ones" },
    { name: "output.weight", dims: [nEmbd, nVocab], init: "random" },
  ];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [nEmbd], init: "ones" },
      { name: `${p}attn_q.weight`, dims: [nEmbd, nEmbd], init: "random" },
      { name: `${p}attn_k.weight`, dims: [nEmbd, nEmbd], init: "random" },
      { name: `${p}attn_v.weight`, dims: [nEmbd, nEmbd], init: "random" },
      { name: `${p}attn_output.weight`, dims: [nEmbd, nEmbd], init: "random" },
      { name: `${p}ffn_norm.weight`, dims: [nEmbd], init: "ones" },
      { name: `${p}ffn_gate.weight`, dims: [nEmbd, nFf], init: "random" },
      { name: `${p}ffn_up.weight`, dims: [nEmbd, nFf], init: "random" },
      { name: `${p}ffn_down.weight`, dims: [nFf, nEmbd], init: "random" },
    );
  }

  const w = new Writer();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [k, v] of meta) writeMeta(w, k, v);

  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(GGML_F32);
    w.u64(offset);
    const bytes = t.dims.reduce((a, b) => a * b, 1) * 4;
    sizes.push(bytes);
    offset += Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;
  }
  w.padTo(ALIGNMENT);

  for (const [i, t] of tensors.entries()) {
    const n = sizes[i]! / 4;
    const data = new Float32Array(n);
    for (let j = 0; j < n; j++) data[j] = t.init === "ones" ? 1 : (rand() * 2 - 1) * 0.08;
    w.bytes(new Uint8Array(data.buffer));
    w.padTo(ALIGNMENT);
  }
  writeFileSync(file, w.result());
  return { vocabSize: nVocab };
}

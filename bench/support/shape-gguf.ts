/**
 * Writes a random-weight GGUF with the shape of a real model: the same architecture, layer
 * sizes, attention heads, vocabulary size and 4-bit weights, so llama.cpp does the same work per
 * token as with the real file, though its text is gibberish. The embedded default
 * (Qwen2.5-1.5B-Instruct, Q4_K_M) cannot be downloaded on machines without internet; its
 * prefill and decode speed can still be measured on such a stand-in. Weights are Q4_0 (18 bytes
 * per 32 weights, as Q4_K's 4.5 bits for most tensors: close in size and CPU cost); the norms
 * and biases are F32. Streamed to disk: the Qwen shape is ~0.9 GB.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { randomFillSync } from "node:crypto";

export interface ModelShape {
  name: string;
  architecture: "qwen2" | "llama";
  embedding: number;
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number;
  vocab: number;
  contextLength: number;
  ropeBase: number;
  /** Output projection shares the token embedding (no output.weight). */
  tiedEmbedding: boolean;
  /** q/k/v projections have biases (Qwen2). */
  qkvBias: boolean;
}

/** Qwen2.5-1.5B-Instruct's hyperparameters (its config.json). */
export const QWEN25_1_5B: ModelShape = {
  name: "qwen2.5-1.5b-shape",
  architecture: "qwen2",
  embedding: 1536,
  layers: 28,
  heads: 12,
  kvHeads: 2,
  feedForward: 8960,
  vocab: 151936,
  contextLength: 32768,
  ropeBase: 1_000_000,
  tiedEmbedding: true,
  qkvBias: true,
};

const GGML_F32 = 0;
const GGML_Q4_0 = 2;
const ALIGNMENT = 32;

/** Little-endian byte buffer for the header (metadata and tensor table). */
class Header {
  private parts: Buffer[] = [];
  length = 0;
  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    const n = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT;
    if (n) this.push(Buffer.alloc(n));
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

type Meta = [string, "u32" | "f32" | "str", number | string] | [string, "arr_str", string[]] | [string, "arr_f32" | "arr_i32", number[]];

function writeMeta(h: Header, [key, type, value]: Meta): void {
  h.str(key);
  if (type === "u32") (h.u32(4), h.u32(value as number));
  else if (type === "f32") (h.u32(6), h.f32(value as number));
  else if (type === "str") (h.u32(8), h.str(value as string));
  else {
    h.u32(9);
    const items = value as (string | number)[];
    h.u32(type === "arr_str" ? 8 : type === "arr_f32" ? 6 : 5);
    h.u64(items.length);
    for (const x of items) type === "arr_str" ? h.str(x as string) : type === "arr_f32" ? h.f32(x as number) : h.i32(x as number);
  }
}

/** A SentencePiece-style vocabulary of the wanted size: specials, the 256 byte tokens, then filler pieces. */
function vocabulary(size: number): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types = [2, 3, 3];
  for (let b = 0; b < 256; b++) (tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`), types.push(6));
  const letters = "abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; tokens.length < size; i++) {
    let w = "";
    for (let n = i; ; n = Math.floor(n / 26) - 1) {
      w = letters[n % 26] + w;
      if (n < 26) break;
    }
    tokens.push(i % 2 ? w : `\u2581${w}`);
    types.push(1);
  }
  return { tokens, scores: tokens.map((t, i) => (types[i] === 1 ? -t.length : 0)), types };
}

export function writeShapeGguf(file: string, s: ModelShape): void {
  const headDim = s.embedding / s.heads;
  const kv = s.kvHeads * headDim;
  const arch = s.architecture;
  const vocab = vocabulary(s.vocab);
  const meta: Meta[] = [
    ["general.architecture", "str", arch],
    ["general.name", "str", s.name],
    ["general.alignment", "u32", ALIGNMENT],
    [`${arch}.context_length`, "u32", s.contextLength],
    [`${arch}.embedding_length`, "u32", s.embedding],
    [`${arch}.block_count`, "u32", s.layers],
    [`${arch}.feed_forward_length`, "u32", s.feedForward],
    [`${arch}.attention.head_count`, "u32", s.heads],
    [`${arch}.attention.head_count_kv`, "u32", s.kvHeads],
    [`${arch}.rope.freq_base`, "f32", s.ropeBase],
    [`${arch}.attention.layer_norm_rms_epsilon`, "f32", 1e-6],
    ["tokenizer.ggml.model", "str", "llama"],
    ["tokenizer.ggml.tokens", "arr_str", vocab.tokens],
    ["tokenizer.ggml.scores", "arr_f32", vocab.scores],
    ["tokenizer.ggml.token_type", "arr_i32", vocab.types],
    ["tokenizer.ggml.unknown_token_id", "u32", 0],
    ["tokenizer.ggml.bos_token_id", "u32", 1],
    ["tokenizer.ggml.eos_token_id", "u32", 2],
  ];

  const tensors: { name: string; dims: number[]; type: number }[] = [{ name: "token_embd.weight", dims: [s.embedding, s.vocab], type: GGML_Q4_0 }];
  tensors.push({ name: "output_norm.weight", dims: [s.embedding], type: GGML_F32 });
  if (!s.tiedEmbedding) tensors.push({ name: "output.weight", dims: [s.embedding, s.vocab], type: GGML_Q4_0 });
  for (let l = 0; l < s.layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: `${p}attn_norm.weight`, dims: [s.embedding], type: GGML_F32 },
      { name: `${p}attn_q.weight`, dims: [s.embedding, s.embedding], type: GGML_Q4_0 },
      { name: `${p}attn_k.weight`, dims: [s.embedding, kv], type: GGML_Q4_0 },
      { name: `${p}attn_v.weight`, dims: [s.embedding, kv], type: GGML_Q4_0 },
      { name: `${p}attn_output.weight`, dims: [s.embedding, s.embedding], type: GGML_Q4_0 },
      { name: `${p}ffn_norm.weight`, dims: [s.embedding], type: GGML_F32 },
      { name: `${p}ffn_gate.weight`, dims: [s.embedding, s.feedForward], type: GGML_Q4_0 },
      { name: `${p}ffn_up.weight`, dims: [s.embedding, s.feedForward], type: GGML_Q4_0 },
      { name: `${p}ffn_down.weight`, dims: [s.feedForward, s.embedding], type: GGML_Q4_0 },
    );
    if (s.qkvBias) {
      tensors.push(
        { name: `${p}attn_q.bias`, dims: [s.embedding], type: GGML_F32 },
        { name: `${p}attn_k.bias`, dims: [kv], type: GGML_F32 },
        { name: `${p}attn_v.bias`, dims: [kv], type: GGML_F32 },
      );
    }
  }

  const h = new Header();
  h.u32(0x46554747);
  h.u32(3);
  h.u64(tensors.length);
  h.u64(meta.length);
  for (const m of meta) writeMeta(h, m);
  const sizes = tensors.map((t) => {
    const n = t.dims.reduce((a, b) => a * b, 1);
    return t.type === GGML_F32 ? 4 * n : (n / 32) * 18;
  });
  let offset = 0;
  for (const [i, t] of tensors.entries()) {
    h.str(t.name);
    h.u32(t.dims.length);
    for (const d of t.dims) h.u64(d);
    h.u32(t.type);
    h.u64(offset);
    offset += Math.ceil(sizes[i]! / ALIGNMENT) * ALIGNMENT;
  }
  h.pad();

  const fd = openSync(file, "w");
  try {
    writeSync(fd, h.bytes());
    const chunk = Buffer.alloc(18 * 32 * 1024);
    for (const [i, t] of tensors.entries()) {
      let left = Math.ceil(sizes[i]! / ALIGNMENT) * ALIGNMENT;
      if (t.type === GGML_F32) {
        // Norm weights 1, biases small: the activations stay finite.
        const f = new Float32Array(sizes[i]! / 4).fill(t.name.endsWith(".bias") ? 0.01 : 1);
        writeSync(fd, Buffer.from(f.buffer));
        left -= sizes[i]!;
        if (left > 0) writeSync(fd, Buffer.alloc(left));
        continue;
      }
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        randomFillSync(chunk, 0, n);
        // Each 18-byte block starts with its f16 scale: a fixed small one (0x2000 ≈ 0.0078), never NaN.
        for (let b = 0; b + 1 < n; b += 18) (chunk[b] = 0x00), (chunk[b + 1] = 0x20);
        writeSync(fd, chunk, 0, n);
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The diversity section's numbers and 2-D map: exact k-nearest neighbours on the sample,
 * UMAP (umap-js) from those neighbours, spherical k-means for cluster coverage, and the
 * mean pairwise cosine distance. Everything is seeded, so a report is reproducible.
 */
import { UMAP } from "umap-js";
import { normalise } from "./lexical-embed.js";
import { seededRandom } from "../util/random.js";

/** Vectors wider than this are randomly projected down first (Johnson-Lindenstrauss). */
const WORK_DIMS = 256;

/** Row-major n×d matrix of unit vectors. */
export interface Matrix {
  n: number;
  d: number;
  data: Float32Array;
}

export function toMatrix(vectors: Float32Array[], seed: number): Matrix {
  const n = vectors.length;
  const inDims = n ? vectors[0].length : 0;
  const d = Math.min(inDims, WORK_DIMS);
  const data = new Float32Array(n * d);
  if (inDims <= WORK_DIMS) {
    vectors.forEach((v, i) => data.set(v, i * d));
    return { n, d, data };
  }
  // Dense ±1 projection: cheap, seeded, and keeps cosine similarities close.
  const random = seededRandom(seed ^ 0x9e3779b9);
  const proj = new Float32Array(inDims * d);
  for (let i = 0; i < proj.length; i++) proj[i] = random() < 0.5 ? -1 : 1;
  const row = new Float32Array(d);
  vectors.forEach((v, i) => {
    row.fill(0);
    for (let k = 0; k < inDims; k++) {
      const x = v[k];
      if (x === 0) continue;
      const off = k * d;
      for (let j = 0; j < d; j++) row[j] += x * proj[off + j];
    }
    data.set(normalise(row), i * d);
  });
  return { n, d, data };
}

function dot(m: Matrix, i: number, j: number): number {
  const a = i * m.d;
  const b = j * m.d;
  let s = 0;
  for (let k = 0; k < m.d; k++) s += m.data[a + k] * m.data[b + k];
  return s;
}

/**
 * Mean cosine distance over all pairs of the given rows, exactly, in O(n·d): for unit
 * vectors the sum of all pairwise similarities is |Σv|² − n.
 */
export function meanPairwiseDistance(m: Matrix, rows: number[]): number | undefined {
  const n = rows.length;
  if (n < 2) return undefined;
  const sum = new Float64Array(m.d);
  for (const i of rows) for (let k = 0; k < m.d; k++) sum[k] += m.data[i * m.d + k];
  let sq = 0;
  for (let k = 0; k < m.d; k++) sq += sum[k] * sum[k];
  return 1 - (sq - n) / (n * (n - 1));
}

/**
 * Exact k nearest neighbours by cosine distance (self first, as UMAP expects). Each pair's
 * similarity is computed once and offered to both rows: n²/2 dot products.
 */
export function exactKnn(m: Matrix, k: number): { indices: number[][]; distances: number[][] } {
  const { n, d, data } = m;
  const idx = new Int32Array(n * k);
  const sim = new Float32Array(n * k).fill(-Infinity);
  const count = new Int32Array(n);
  // Sorted insert into row i's k best (descending similarity).
  const offer = (i: number, j: number, s: number) => {
    const base = i * k;
    const c = count[i];
    if (c === k && s <= sim[base + k - 1]) return;
    let pos = c === k ? k - 1 : c;
    while (pos > 0 && sim[base + pos - 1] < s) {
      sim[base + pos] = sim[base + pos - 1];
      idx[base + pos] = idx[base + pos - 1];
      pos--;
    }
    sim[base + pos] = s;
    idx[base + pos] = j;
    if (c < k) count[i] = c + 1;
  };
  for (let i = 0; i < n; i++) {
    offer(i, i, 2);
    const a = i * d;
    for (let j = i + 1; j < n; j++) {
      const b = j * d;
      let s0 = 0;
      let s1 = 0;
      let t = 0;
      for (; t + 1 < d; t += 2) {
        s0 += data[a + t] * data[b + t];
        s1 += data[a + t + 1] * data[b + t + 1];
      }
      if (t < d) s0 += data[a + t] * data[b + t];
      const s = s0 + s1;
      offer(i, j, s);
      offer(j, i, s);
    }
  }
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    const dist: number[] = [];
    for (let r = 0; r < count[i]; r++) {
      const j = idx[i * k + r];
      row.push(j);
      dist.push(j === i ? 0 : Math.max(0, 1 - sim[i * k + r]));
    }
    indices.push(row);
    distances.push(dist);
  }
  return { indices, distances };
}

export function umapLayout(m: Matrix, seed: number): Array<[number, number]> {
  if (m.n === 0) return [];
  if (m.n < 4) return Array.from({ length: m.n }, (_, i) => [i, 0]);
  const nNeighbors = Math.min(15, m.n - 1);
  const knn = exactKnn(m, nNeighbors);
  // 200 epochs (umap-js uses 500 under 10k points) is plenty for an overview map.
  const umap = new UMAP({ nComponents: 2, nNeighbors, minDist: 0.1, nEpochs: 200, random: seededRandom(seed) });
  umap.setPrecomputedKNN(knn.indices, knn.distances);
  const rows: number[][] = [];
  for (let i = 0; i < m.n; i++) rows.push(Array.from(m.data.subarray(i * m.d, (i + 1) * m.d)));
  return umap.fit(rows).map((p) => [p[0], p[1]] as [number, number]);
}

/** Spherical k-means (cosine), k-means++ seeding; returns each row's cluster. */
export function kmeans(m: Matrix, k: number, seed: number, iterations = 20): number[] {
  const random = seededRandom(seed ^ 0x85ebca6b);
  const n = m.n;
  const d = m.d;
  k = Math.min(k, n);
  if (k === 0) return [];
  const centres = new Float32Array(k * d);
  const first = Math.floor(random() * n);
  centres.set(m.data.subarray(first * d, (first + 1) * d), 0);
  const nearest = new Float64Array(n).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += m.data[i * d + t] * centres[(c - 1) * d + t];
      nearest[i] = Math.min(nearest[i], Math.max(0, 1 - s));
      total += nearest[i] * nearest[i];
    }
    let r = random() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) if ((r -= nearest[i] * nearest[i]) <= 0) ((pick = i), (i = n));
    centres.set(m.data.subarray(pick * d, (pick + 1) * d), c * d);
  }
  const assign = new Array<number>(n).fill(0);
  for (let it = 0; it < iterations; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestSim = -Infinity;
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += m.data[i * d + t] * centres[c * d + t];
        if (s > bestSim) ((bestSim = s), (best = c));
      }
      if (assign[i] !== best || it === 0) ((changed = changed || assign[i] !== best), (assign[i] = best));
    }
    centres.fill(0);
    for (let i = 0; i < n; i++) for (let t = 0; t < d; t++) centres[assign[i] * d + t] += m.data[i * d + t];
    for (let c = 0; c < k; c++) normalise(centres.subarray(c * d, (c + 1) * d));
    if (!changed && it > 0) break;
  }
  return assign;
}

export interface GroupSpread {
  group: string;
  points: number;
  meanDistance?: number;
  /** Share of the k clusters in which this group has a real presence (see clusterCoverage). */
  clusterShare: number;
}

/**
 * A group "covers" a cluster when at least max(2, 2% of the group's points) fall in it, so
 * that one stray point does not count as covering a region.
 */
export function clusterCoverage(assign: number[], groups: string[], k: number): Map<string, number> {
  const counts = new Map<string, number[]>();
  const sizes = new Map<string, number>();
  assign.forEach((c, i) => {
    const g = groups[i];
    let row = counts.get(g);
    if (!row) counts.set(g, (row = new Array<number>(k).fill(0)));
    row[c]++;
    sizes.set(g, (sizes.get(g) ?? 0) + 1);
  });
  const out = new Map<string, number>();
  for (const [g, row] of counts) {
    const need = Math.max(2, Math.ceil(0.02 * (sizes.get(g) ?? 0)));
    out.set(g, row.filter((x) => x >= Math.min(need, sizes.get(g) ?? 0)).length / k);
  }
  return out;
}

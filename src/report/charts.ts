/**
 * The report's charts: Vega-Lite specs compiled with vega-lite and rendered server-side by
 * vega to SVG strings (renderer "none": no canvas needed; vega estimates text widths from
 * the font size when no canvas is present, which is fine for axis labels).
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

const WIDTH = 560;
const BASE_CONFIG = { font: "sans-serif", view: { stroke: null }, axis: { labelLimit: 220 }, legend: { labelLimit: 220 } };

/** SVG element names vega's SVG renderer writes; anything else means escaping went wrong. */
const SVG_ELEMENTS = new Set(["svg", "g", "path", "rect", "line", "text", "tspan", "title", "desc", "defs", "clipPath", "circle", "image", "linearGradient", "radialGradient", "stop", "pattern"]);

export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...BASE_CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    assertPlainSvg(svg);
    return svg;
  } finally {
    view.finalize();
  }
}

/** Defence in depth: data text reaches the SVG only as escaped text, never as markup. */
export function assertPlainSvg(svg: string): void {
  for (const m of svg.matchAll(/<\/?([A-Za-z][\w:-]*)/g)) {
    if (!SVG_ELEMENTS.has(m[1])) throw new Error(`chart SVG contains an unexpected <${m[1]}> element`);
  }
  if (/\s(href|xlink:href)\s*=\s*"(?!#)/i.test(svg)) throw new Error("chart SVG links to an external resource");
}

type Row = Record<string, string | number>;

export function barChart(opts: {
  values: Row[];
  category: string;
  value: string;
  title: string;
  categoryTitle?: string;
  valueTitle?: string;
  color?: string;
  /** Keep the given order instead of sorting by value. */
  keepOrder?: boolean;
}): TopLevelSpec {
  const order = opts.values.map((v) => String(v[opts.category]));
  return {
    title: opts.title,
    width: WIDTH - 200,
    data: { values: opts.values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: opts.category, type: "nominal", title: opts.categoryTitle ?? null, sort: opts.keepOrder ? order : "-x" },
      x: { field: opts.value, type: "quantitative", title: opts.valueTitle ?? opts.value },
      ...(opts.color ? { color: { field: opts.color, type: "nominal" } } : {}),
    },
  } as TopLevelSpec;
}

export function donutChart(values: Row[], category: string, value: string, title: string): TopLevelSpec {
  return {
    title,
    width: 260,
    height: 260,
    data: { values },
    mark: { type: "arc", innerRadius: 60, tooltip: true },
    encoding: {
      theta: { field: value, type: "quantitative", stack: true },
      color: { field: category, type: "nominal", sort: { field: value, order: "descending" }, scale: { scheme: "tableau10" } },
      order: { field: value, type: "quantitative", sort: "descending" },
    },
  } as TopLevelSpec;
}

/** A histogram of pre-counted values ({ len, n }), binned for display. */
export function histogram(values: Row[], title: string, xTitle: string, maxbins = 30): TopLevelSpec {
  return {
    title,
    width: WIDTH - 100,
    height: 180,
    data: { values },
    mark: "bar",
    encoding: {
      x: { field: "len", type: "quantitative", bin: { maxbins }, title: xTitle },
      y: { aggregate: "sum", field: "n", type: "quantitative", title: "pairs" },
    },
  } as TopLevelSpec;
}

export function stackedBars(values: Row[], category: string, title: string): TopLevelSpec {
  return {
    title,
    width: WIDTH - 200,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: category, type: "nominal", title: null },
      x: { field: "tokens", type: "quantitative", title: "tokens" },
      color: { field: "kind", type: "nominal", title: null },
    },
  } as TopLevelSpec;
}

export function lineChart(values: Row[], title: string, yTitle: string): TopLevelSpec {
  return {
    title,
    width: WIDTH - 100,
    height: 200,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "t", type: "quantitative", title: "seconds since start" },
      y: { field: "rate", type: "quantitative", title: yTitle },
      color: { field: "series", type: "nominal", title: null },
    },
  } as TopLevelSpec;
}

export function scatterMap(values: Row[], title: string): TopLevelSpec {
  return {
    title,
    width: WIDTH,
    height: 460,
    data: { values },
    mark: { type: "point", filled: true, size: 14, opacity: 0.7 },
    encoding: {
      x: { field: "x", type: "quantitative", axis: null, scale: { zero: false } },
      y: { field: "y", type: "quantitative", axis: null, scale: { zero: false } },
      color: { field: "group", type: "nominal", title: "domain", scale: { scheme: "tableau20" } },
      shape: { field: "dataset", type: "nominal", title: "dataset", scale: { domain: ["run", "compare"], range: ["circle", "triangle-up"] } },
    },
  } as TopLevelSpec;
}

/** Pairs per pass-rate bin, in the given bin order, stacked by whether they lie in the band. */
export function passRateHistogram(values: Row[], bins: readonly string[], title: string): TopLevelSpec {
  return {
    title,
    width: WIDTH - 160,
    height: 180,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: { field: "bin", type: "ordinal", sort: [...bins], title: "pass rate", axis: { labelAngle: -40 } },
      y: { aggregate: "sum", field: "pairs", type: "quantitative", title: "pairs" },
      color: { field: "where", type: "nominal", title: null, scale: { domain: ["in band", "outside the band"], range: ["#2a9d5c", "#c9ced4"] } },
    },
  } as TopLevelSpec;
}

/** One bar per group, split into its share of each pass-rate bin: a histogram per row, side by side. */
export function passRateShares(values: Row[], bins: readonly string[], category: string, title: string): TopLevelSpec {
  return {
    title,
    width: WIDTH - 200,
    data: { values },
    mark: { type: "bar", tooltip: true },
    encoding: {
      y: { field: category, type: "nominal", title: null },
      x: { aggregate: "sum", field: "pairs", type: "quantitative", stack: "normalize", title: "share of pairs", axis: { format: "%" } },
      color: { field: "bin", type: "ordinal", sort: [...bins], title: "pass rate", scale: { scheme: "redyellowgreen" } },
      order: { field: "order", type: "quantitative" },
    },
  } as TopLevelSpec;
}

/**
 * Units and currencies the number rule understands. Each maps to a dimension and a factor to
 * that dimension's base unit (temperatures also carry an offset), so "1.2 km" equals "1200 m".
 * Unknown unit words are still compared, as words, by the number rule.
 */

export interface UnitDef {
  dim: string;
  factor: number;
  offset?: number;
}

const TABLE: Array<[string[], UnitDef]> = [
  [["m", "meter", "meters", "metre", "metres"], { dim: "length", factor: 1 }],
  [["km", "kms", "kilometer", "kilometers", "kilometre", "kilometres"], { dim: "length", factor: 1000 }],
  [["cm", "centimeter", "centimeters", "centimetre", "centimetres"], { dim: "length", factor: 0.01 }],
  [["mm", "millimeter", "millimeters", "millimetre", "millimetres"], { dim: "length", factor: 0.001 }],
  [["mi", "mile", "miles"], { dim: "length", factor: 1609.344 }],
  [["ft", "foot", "feet"], { dim: "length", factor: 0.3048 }],
  [["in", "inch", "inches"], { dim: "length", factor: 0.0254 }],
  [["yd", "yard", "yards"], { dim: "length", factor: 0.9144 }],
  [["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"], { dim: "mass", factor: 1 }],
  [["g", "gram", "grams", "gramme", "grammes"], { dim: "mass", factor: 0.001 }],
  [["mg", "milligram", "milligrams"], { dim: "mass", factor: 1e-6 }],
  [["t", "tonne", "tonnes", "metric ton", "metric tons"], { dim: "mass", factor: 1000 }],
  [["lb", "lbs"], { dim: "mass", factor: 0.45359237 }],
  [["oz", "ounce", "ounces"], { dim: "mass", factor: 0.028349523125 }],
  [["s", "sec", "secs", "second", "seconds"], { dim: "time", factor: 1 }],
  [["min", "mins", "minute", "minutes"], { dim: "time", factor: 60 }],
  [["h", "hr", "hrs", "hour", "hours"], { dim: "time", factor: 3600 }],
  [["day", "days"], { dim: "time", factor: 86400 }],
  [["week", "weeks"], { dim: "time", factor: 604800 }],
  [["month", "months"], { dim: "time", factor: 2629800 }],
  [["year", "years", "yr", "yrs"], { dim: "time", factor: 31557600 }],
  [["l", "liter", "liters", "litre", "litres"], { dim: "volume", factor: 0.001 }],
  [["ml", "milliliter", "milliliters", "millilitre", "millilitres"], { dim: "volume", factor: 1e-6 }],
  [["km2", "sq km", "square kilometer", "square kilometers", "square kilometre", "square kilometres"], { dim: "area", factor: 1e6 }],
  [["m2", "sq m", "square meter", "square meters", "square metre", "square metres"], { dim: "area", factor: 1 }],
  [["ha", "hectare", "hectares"], { dim: "area", factor: 1e4 }],
  [["mph", "miles per hour"], { dim: "speed", factor: 0.44704 }],
  [["km/h", "kmh", "kph", "kilometers per hour", "kilometres per hour"], { dim: "speed", factor: 1 / 3.6 }],
  [["m/s", "meters per second", "metres per second"], { dim: "speed", factor: 1 }],
  [["°c", "c", "celsius", "degrees celsius", "degree celsius", "degrees c", "centigrade"], { dim: "temperature", factor: 1, offset: 273.15 }],
  [["°f", "f", "fahrenheit", "degrees fahrenheit", "degree fahrenheit", "degrees f"], { dim: "temperature", factor: 5 / 9, offset: 273.15 - (32 * 5) / 9 }],
  [["k", "kelvin", "kelvins"], { dim: "temperature", factor: 1 }],
  [["°", "degree", "degrees", "deg"], { dim: "angle", factor: 1 }],
  [["%", "percent", "per cent", "pct", "percentage"], { dim: "percent", factor: 1 }],
  [["$", "usd", "us$", "dollar", "dollars", "us dollar", "us dollars"], { dim: "usd", factor: 1 }],
  [["€", "eur", "euro", "euros"], { dim: "eur", factor: 1 }],
  [["£", "gbp", "pound sterling", "pounds sterling"], { dim: "gbp", factor: 1 }],
  [["¥", "jpy", "yen"], { dim: "jpy", factor: 1 }],
  [["₹", "inr", "rupee", "rupees"], { dim: "inr", factor: 1 }],
];

const UNITS = new Map<string, UnitDef>();
for (const [names, def] of TABLE) for (const n of names) UNITS.set(n, def);

export function lookupUnit(name: string): UnitDef | undefined {
  return UNITS.get(name);
}

/** Currency signs written before the number. */
export const CURRENCY_PREFIX = /^(us\$|\$|€|£|¥|₹|usd|eur|gbp|jpy|inr)\s*/;

export const SCALE_WORDS: Record<string, number> = {
  thousand: 1e3,
  thousands: 1e3,
  k: 1e3,
  million: 1e6,
  millions: 1e6,
  mn: 1e6,
  billion: 1e9,
  billions: 1e9,
  bn: 1e9,
  trillion: 1e12,
  trillions: 1e12,
};

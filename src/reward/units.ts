/**
 * The one table of units the number rule understands: each written form maps to one or more
 * readings (a dimension and a factor to that dimension's base unit; temperatures also carry an
 * offset), so "1.2 km" equals "1200 m" and "6,000 atmospheres" equals "6000 atm".
 *
 * Symbols are case-sensitive ("mW" is not "MW"); names and a few unambiguous abbreviations are
 * matched in any case. A form with several readings ("K": kelvin or thousand, "degrees": angle or
 * temperature, "pounds": mass or sterling) is resolved by the other side of the comparison
 * (numbers.ts); when the other side cannot tell, the pair is undecided.
 */

export interface UnitDef {
  /** Identity of the unit, e.g. "kelvin"; two readings with the same id are the same unit. */
  id: string;
  /** The dimension; "" for a scale (thousand, million), which multiplies the number instead. */
  dim: string;
  factor: number;
  offset?: number;
}

/** Case-sensitive symbols, then lower-case names: every written form → its readings. */
const SYMBOLS = new Map<string, UnitDef[]>();
const NAMES = new Map<string, UnitDef[]>();

function def(id: string, dim: string, factor: number, offset?: number): UnitDef {
  return offset === undefined ? { id, dim, factor } : { id, dim, factor, offset };
}
function add(map: Map<string, UnitDef[]>, written: string, d: UnitDef): void {
  // Keys in NFKC, as answers are read: "µ" (micro sign) and "Ω" (ohm sign) fold to Greek letters.
  const key = written.normalize("NFKC");
  const list = map.get(key);
  if (!list) map.set(key, [d]);
  else if (!list.some((x) => x.id === d.id)) list.push(d);
}
/** Names match in any case; plurals listed explicitly where English adds more than "s". */
function names(d: UnitDef, ...forms: string[]): void {
  for (const f of forms) add(NAMES, f.toLowerCase(), d);
}
function symbols(d: UnitDef, ...forms: string[]): void {
  for (const f of forms) add(SYMBOLS, f, d);
}
/** A name and its plural with "s". */
const withPlural = (...ws: string[]) => ws.flatMap((w) => [w, `${w}s`]);

// Scales: "5k", "1.2 million". Written after the number; multiply it.
export const THOUSAND = def("thousand", "", 1e3);
export const MILLION = def("million", "", 1e6);
export const BILLION = def("billion", "", 1e9);
export const TRILLION = def("trillion", "", 1e12);

/** Scale words in any case ("1.2 thousand km"); applied before the unit. */
export const SCALE_WORDS = new Map<string, UnitDef>([
  ["thousand", THOUSAND], ["thousands", THOUSAND],
  ["million", MILLION], ["millions", MILLION], ["mn", MILLION],
  ["billion", BILLION], ["billions", BILLION], ["bn", BILLION],
  ["trillion", TRILLION], ["trillions", TRILLION], ["tn", TRILLION],
]);

/** Scale letters after a currency ("$5K", "£3m", "$2MM", "$1.2B"): money is never in kelvin or metres. */
export const CURRENCY_SCALES = new Map<string, UnitDef>([
  ["k", THOUSAND], ["K", THOUSAND], ["m", MILLION], ["M", MILLION], ["mm", MILLION], ["MM", MILLION],
  ["b", BILLION], ["B", BILLION], ["t", TRILLION], ["T", TRILLION],
]);

// SI prefixes, with the names used in "kilowatts", "microfarads".
const PREFIXES: Record<string, [number, string]> = {
  p: [1e-12, "pico"], n: [1e-9, "nano"], "µ": [1e-6, "micro"], u: [1e-6, "micro"], m: [1e-3, "milli"],
  c: [1e-2, "centi"], d: [1e-1, "deci"], h: [1e2, "hecto"], k: [1e3, "kilo"], M: [1e6, "mega"],
  G: [1e9, "giga"], T: [1e12, "tera"], P: [1e15, "peta"],
};

/** A base unit with the SI prefixes it is written with; symbols case-sensitive, names any case. */
function si(dim: string, factor: number, symbol: string[], baseNames: string[], prefixes: string): void {
  symbols(def(baseNames[0] ?? symbol[0], dim, factor), ...symbol);
  names(def(baseNames[0] ?? symbol[0], dim, factor), ...withPlural(...baseNames));
  for (const p of prefixes.split(" ").filter(Boolean)) {
    const [scale, pname] = PREFIXES[p];
    const d = def(`${pname}${baseNames[0] ?? symbol[0]}`, dim, factor * scale);
    symbols(d, ...symbol.map((s) => p + s));
    names(d, ...withPlural(...baseNames.map((n) => pname + n)));
  }
}

// Length (base: metre)
si("length", 1, ["m"], ["meter", "metre"], "p n µ u m c d k");
names(def("micrometer", "length", 1e-6), ...withPlural("micron"));
names(def("kilometer", "length", 1e3), "kms");
symbols(def("mile", "length", 1609.344), "mi");
names(def("mile", "length", 1609.344), ...withPlural("mile"));
names(def("nautical mile", "length", 1852), ...withPlural("nautical mile"), "nmi");
symbols(def("foot", "length", 0.3048), "ft", "′");
names(def("foot", "length", 0.3048), "foot", "feet", "ft");
symbols(def("inch", "length", 0.0254), "in", "″");
names(def("inch", "length", 0.0254), "inch", "inches");
symbols(def("yard", "length", 0.9144), "yd");
names(def("yard", "length", 0.9144), ...withPlural("yard"), "yds");
names(def("light-year", "length", 9.4607304725808e15), ...withPlural("light-year", "light year", "lightyear"), "ly");
symbols(def("astronomical unit", "length", 1.495978707e11), "AU", "au");
names(def("astronomical unit", "length", 1.495978707e11), ...withPlural("astronomical unit"));
symbols(def("parsec", "length", 3.0857e16), "pc", "kpc", "Mpc");
names(def("parsec", "length", 3.0857e16), ...withPlural("parsec"));
names(def("kiloparsec", "length", 3.0857e19), ...withPlural("kiloparsec"), "kpc");
names(def("megaparsec", "length", 3.0857e22), ...withPlural("megaparsec"), "mpc");
SYMBOLS.set("kpc", [def("kiloparsec", "length", 3.0857e19)]);
SYMBOLS.set("Mpc", [def("megaparsec", "length", 3.0857e22)]);

// Mass (base: kilogram)
si("mass", 1e-3, ["g"], ["gram", "gramme"], "n µ u m k");
names(def("kilogram", "mass", 1), "kgs", "kilo", "kilos");
symbols(def("tonne", "mass", 1000), "t");
names(def("tonne", "mass", 1000), ...withPlural("tonne", "metric ton"));
names(def("pound", "mass", 0.45359237), "lb", "lbs");
names(def("ounce", "mass", 0.028349523125), "oz", ...withPlural("ounce"));
names(def("stone", "mass", 6.35029318), "st");

// Time (base: second)
si("time", 1, ["s"], ["second"], "p n µ u m");
names(def("second", "time", 1), "sec", "secs");
names(def("minute", "time", 60), "min", "mins", ...withPlural("minute"));
symbols(def("hour", "time", 3600), "h");
names(def("hour", "time", 3600), "h", "hr", "hrs", ...withPlural("hour"));
names(def("day", "time", 86400), ...withPlural("day"));
names(def("week", "time", 604800), ...withPlural("week"));
names(def("fortnight", "time", 1209600), ...withPlural("fortnight"));
names(def("month", "time", 2629800), ...withPlural("month"));
names(def("year", "time", 31557600), ...withPlural("year"), "yr", "yrs");
names(def("decade", "time", 315576000), ...withPlural("decade"));
names(def("century", "time", 3155760000), "century", "centuries");
names(def("millennium", "time", 31557600000), "millennium", "millennia", "millenniums");

// Volume (base: cubic metre)
si("volume", 1e-3, ["L", "l", "ℓ"], ["liter", "litre"], "µ u m c d h k");
symbols(def("cubic meter", "volume", 1), "m3", "m³");
names(def("cubic meter", "volume", 1), ...withPlural("cubic meter", "cubic metre"));
symbols(def("cubic centimeter", "volume", 1e-6), "cm3", "cm³", "cc");
names(def("cubic centimeter", "volume", 1e-6), ...withPlural("cubic centimeter", "cubic centimetre"));
// A US and an imperial gallon differ by a fifth: a gallon figure alone has two readings.
names(def("us gallon", "volume", 0.003785411784), ...withPlural("gallon"), "gal", "us gallon", "us gallons");
names(def("imperial gallon", "volume", 0.00454609), ...withPlural("gallon"), "gal", "imperial gallon", "imperial gallons");

// Area (base: square metre)
symbols(def("square meter", "area", 1), "m2", "m²");
names(def("square meter", "area", 1), "sq m", ...withPlural("square meter", "square metre"));
symbols(def("square kilometer", "area", 1e6), "km2", "km²");
names(def("square kilometer", "area", 1e6), "sq km", ...withPlural("square kilometer", "square kilometre"));
symbols(def("square centimeter", "area", 1e-4), "cm2", "cm²");
names(def("square centimeter", "area", 1e-4), ...withPlural("square centimeter", "square centimetre"));
names(def("hectare", "area", 1e4), "ha", ...withPlural("hectare"));
names(def("acre", "area", 4046.8564224), ...withPlural("acre"));
names(def("square mile", "area", 2589988.110336), "sq mi", "sq miles", ...withPlural("square mile"));
names(def("square foot", "area", 0.09290304), "sq ft", "square foot", "square feet");

// Speed (base: metre per second)
names(def("m/s", "speed", 1), "m/s", ...withPlural("meter per second", "metre per second"), "meters per second", "metres per second");
names(def("km/s", "speed", 1000), "km/s", "kilometers per second", "kilometres per second");
names(def("km/h", "speed", 1 / 3.6), "km/h", "kmh", "kph", "kmph", "kilometers per hour", "kilometres per hour");
names(def("mph", "speed", 0.44704), "mph", "miles per hour", "mi/h");
names(def("knot", "speed", 0.514444), ...withPlural("knot"), "kn", "kt", "kts");

// Temperature (base: kelvin; offsets)
const CELSIUS = def("celsius", "temperature", 1, 273.15);
const FAHRENHEIT = def("fahrenheit", "temperature", 5 / 9, 273.15 - (32 * 5) / 9);
const KELVIN = def("kelvin", "temperature", 1);
symbols(CELSIUS, "°C", "°c", "ºC", "C", "c", "degC");
names(CELSIUS, "celsius", "centigrade", "degrees celsius", "degree celsius", "degrees centigrade", "degrees c", "deg c");
symbols(FAHRENHEIT, "°F", "°f", "ºF", "F", "f", "degF");
names(FAHRENHEIT, "fahrenheit", "degrees fahrenheit", "degree fahrenheit", "degrees f", "deg f");
names(KELVIN, "kelvin", "kelvins", "degrees kelvin");
// "K" after a number is kelvin in physics and thousand in "a 5K run": the other side decides.
symbols(KELVIN, "K");
symbols(THOUSAND, "K");
// "degrees" alone: an angle or a temperature.
const ANGLE = def("degree", "angle", 1);
for (const f of ["°", "º", "degree", "degrees", "deg"]) for (const d of [ANGLE, CELSIUS, FAHRENHEIT]) add(NAMES, f, d);
names(def("radian", "angle", 57.29577951308232), "rad", ...withPlural("radian"));

// Pressure (base: pascal)
si("pressure", 1, ["Pa"], ["pascal"], "h k M G");
names(def("bar", "pressure", 1e5), "bar", "bars");
names(def("millibar", "pressure", 100), "mbar", ...withPlural("millibar"));
names(def("atmosphere", "pressure", 101325), "atm", "atms", ...withPlural("atmosphere"));
names(def("psi", "pressure", 6894.757293168), "psi", "pounds per square inch");
names(def("mmhg", "pressure", 133.322387415), "mmhg", "mm hg", "millimeters of mercury", "millimetres of mercury");
names(def("torr", "pressure", 133.322368421), "torr");
names(def("inhg", "pressure", 3386.389), "inhg", "in hg", "inches of mercury");

// Energy (base: joule), power (watt)
si("energy", 1, ["J"], ["joule"], "k M G");
names(def("calorie", "energy", 4.184), "cal", ...withPlural("calorie"));
// Food "Calories" are kilocalories: a calorie figure alone has both readings.
names(def("kilocalorie", "energy", 4184), "kcal", "kcals", ...withPlural("kilocalorie", "calorie"));
symbols(def("kilocalorie", "energy", 4184), "Cal", "kcal");
si("energy", 3600, ["Wh"], ["watt-hour", "watt hour"], "k M G T");
si("energy", 1.602176634e-19, ["eV"], ["electronvolt", "electron volt", "electron-volt"], "k M G T");
names(def("btu", "energy", 1055.05585), "btu", "btus");
si("power", 1, ["W"], ["watt"], "m k M G T");
names(def("horsepower", "power", 745.699872), "hp", "horsepower");

// Electricity, frequency, force
si("voltage", 1, ["V"], ["volt"], "µ u m k");
si("current", 1, ["A"], ["ampere", "amp"], "µ u m k");
si("resistance", 1, ["Ω", "ohm"], ["ohm"], "m k M G");
names(def("kiloohm", "resistance", 1e3), ...withPlural("kilohm"));
names(def("megaohm", "resistance", 1e6), ...withPlural("megohm"));
si("capacitance", 1, ["F"], ["farad"], "p n µ u m");
SYMBOLS.set("F", [FAHRENHEIT]); // a bare "F" after a number is far more often a temperature
names(def("coulomb", "charge", 1), ...withPlural("coulomb"));
si("frequency", 1, ["Hz"], ["hertz"], "k M G T");
names(def("rpm", "frequency", 1 / 60), "rpm", "revolutions per minute");
si("force", 1, ["N"], ["newton"], "k M");

// Amount and concentration
si("amount", 1, ["mol"], ["mole"], "p n µ u m k");
si("concentration", 1, ["M"], ["molar"], "p n µ u m");
symbols(MILLION, "M"); // "5M": molar in a lab, million elsewhere

// Data (decimal prefixes; "KB" is common for kilobyte)
si("data", 1, ["B"], ["byte"], "k M G T P");
symbols(def("kilobyte", "data", 1e3), "KB");
symbols(BILLION, "B"); // "5B": bytes or billion
names(def("bit", "data", 0.125), ...withPlural("bit"));
for (const [p, f] of [["kilo", 1e3], ["mega", 1e6], ["giga", 1e9], ["tera", 1e12]] as const) names(def(`${p}bit`, "data", 0.125 * f), ...withPlural(`${p}bit`));

// Ratios: percent, per mille, parts per million (base: a plain fraction)
export const PERCENT = def("percent", "ratio", 0.01);
symbols(PERCENT, "%");
names(PERCENT, "percent", "per cent", "pct", "percentage", "percentage points", "percentage point");
names(def("per mille", "ratio", 0.001), "‰", "per mille", "permille");
names(def("ppm", "ratio", 1e-6), "ppm", "parts per million");
names(def("ppb", "ratio", 1e-9), "ppb", "parts per billion");

// Lengths of "m" after a number: metres, or million ("5m people"); the other side decides.
symbols(MILLION, "m");

// Money: currencies are never converted into each other; sub-units are.
const USD = def("usd", "usd", 1);
const EUR = def("eur", "eur", 1);
const GBP = def("gbp", "gbp", 1);
names(USD, "$", "usd", "us$", ...withPlural("dollar", "us dollar"), "bucks");
names(EUR, "€", "eur", ...withPlural("euro"));
names(GBP, "£", "gbp", "pound sterling", "pounds sterling", "sterling", "quid");
names(def("jpy", "jpy", 1), "¥", "jpy", "yen");
names(def("inr", "inr", 1), "₹", "inr", ...withPlural("rupee"));
names(def("cad", "cad", 1), "c$", "ca$", "cad", ...withPlural("canadian dollar"));
names(def("aud", "aud", 1), "a$", "au$", "aud", ...withPlural("australian dollar"));
names(def("chf", "chf", 1), "chf", "swiss franc", "swiss francs");
names(def("cny", "cny", 1), "cny", "rmb", "yuan", "renminbi");
// A cent is a hundredth of whichever dollar or euro the other side names.
for (const cur of ["usd", "eur", "cad", "aud"]) for (const f of ["cent", "cents", "¢", "c"]) if (f !== "c") add(NAMES, f, def(`${cur} cent`, cur, 0.01));
names(def("penny", "gbp", 0.01), "p", "pence", "penny", "pennies");
// "pounds" is a weight or sterling.
names(def("pound", "mass", 0.45359237), "pound", "pounds");
names(GBP, "pound", "pounds");

// Symbols also understood in any case ("KM", "Kg", "mhz"), unless the lower-case form is another
// unit ("mW" and "MW") or an English word or another reading ("us", "um", "mb" for millibar).
const NOT_CASELESS = new Set(["us", "um", "mb", "kb", "pc", "au", "in", "cal"]);
{
  const byLower = new Map<string, Set<string>>();
  for (const [k, defs] of SYMBOLS) {
    const ids = byLower.get(k.toLowerCase()) ?? new Set<string>();
    for (const d of defs) ids.add(d.id);
    byLower.set(k.toLowerCase(), ids);
  }
  for (const [k, defs] of SYMBOLS) {
    const lower = k.toLowerCase();
    if (k.length < 2 || NOT_CASELESS.has(lower) || NAMES.has(lower) || byLower.get(lower)!.size !== defs.length) continue;
    for (const d of defs) add(NAMES, lower, d);
  }
}

/** Currency signs and codes written before the number ("$12", "USD 12", "C$ 5"). */
export const CURRENCY_PREFIX = /^(us\$|ca\$|au\$|c\$|a\$|\$|€|£|¥|₹|usd|eur|gbp|jpy|inr|cad|aud|chf|cny)\s*/i;

/** Readings of a unit as written: exact symbol first, then names in any case; undefined when unknown. */
export function lookupUnit(written: string): UnitDef[] | undefined {
  return SYMBOLS.get(written) ?? NAMES.get(written.toLowerCase());
}

/** The readings of a currency sign or code ("$", "USD", "C$"). */
export function currencyUnit(written: string): UnitDef[] | undefined {
  return NAMES.get(written.toLowerCase());
}

import { CronExpressionParser } from 'cron-parser';

/**
 * Parsing of the three ways to say when a schedule fires. Shared so the console shows the
 * same field errors as the API, before the user submits.
 */

const macros: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

// Standard cron syntax only: numbers, names, `*`, ranges, steps and lists. Vendor extensions
// (L, W, #, H) are refused because the slot evaluator gives them no meaning.
const atom = String.raw`(\d+|[A-Za-z]{3})`;
const term = String.raw`(\*|\?|${atom}(-${atom})?)(\/\d+)?`;
const fieldPattern = new RegExp(`^${term}(,${term})*$`);

/**
 * Expands macros and returns the six fields (seconds first; `0` when the expression has
 * five), or an error message that says what to fix.
 */
export function cronFields(expr: string): { fields: string[] } | { error: string } {
  const trimmed = expr.trim();
  const expanded = macros[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) {
    return { error: `must have 5 fields (minute hour day month weekday) or 6 with seconds first; got ${parts.length}` };
  }
  for (const p of parts) {
    if (!fieldPattern.test(p))
      return { error: `field "${p}" is not standard cron syntax (use numbers, names, *, -, / and ,)` };
  }
  // `0,7` and `SUN,7` are common ways to say Sunday twice; cron-parser rejects the duplicate.
  const dow = parts.length - 1;
  parts[dow] = [...new Set(parts[dow]!.split(',').map((v) => (/^(7|sun)$/i.test(v) ? '0' : v)))].join(',');
  try {
    CronExpressionParser.parse(parts.join(' '), { strict: false });
  } catch (err) {
    return { error: err instanceof Error ? err.message : 'is not a valid cron expression' };
  }
  return { fields: parts.length === 5 ? ['0', ...parts] : parts };
}

const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** Shortest interval an `every` schedule may have, in milliseconds. */
export const MIN_EVERY_MS = 1000;
/** Longest interval an `every` schedule may have (366 days), in milliseconds. */
export const MAX_EVERY_MS = 366 * 86_400_000;

/**
 * Parses a duration such as `"30s"`, `"5 minutes"` or `"1h 30m"` into milliseconds.
 * Returns null when the text is not a duration. Hand-written rather than `ms` or
 * `human-interval` because it must accept exactly the same grammar in the browser and the API.
 */
export function parseDuration(text: string): number | null {
  const re = /(\d+(?:\.\d+)?)\s*([a-z]+)/gy;
  const src = text.trim().toLowerCase();
  if (!src) return null;
  let total = 0;
  let pos = 0;
  while (pos < src.length) {
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) return null;
    const unit = units[m[2]!];
    if (unit === undefined) return null;
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
    while (src[pos] === ' ' || src[pos] === ',') pos++;
  }
  return Math.round(total);
}

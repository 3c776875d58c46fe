import { cronFields, MIN_EVERY_MS } from '@crony/shared';
import { CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';

/**
 * When a schedule fires: pure functions of (when, time zone, instant), no clock and no database.
 *
 * Cron expressions are walked over local wall-clock times with our own code. cron-parser only
 * expands each field into its set of values, and luxon only answers "what is the UTC offset of
 * this zone at this instant". Both libraries resolve a nonexistent local time (02:30 on a
 * spring-forward night) by adding the gap (03:30), and luxon resolves a repeated one to its
 * *second* occurrence; the product promises the first instant after the gap and the first
 * occurrence (DESIGN.md, "Semantics"), so neither library's own date arithmetic is used.
 */

export type When =
  /** 5 fields, or 6 with seconds first; macros such as `@daily` are accepted. */
  | { kind: 'cron'; expr: string }
  /**
   * Fires at anchor + k·interval for k >= 1: the anchor (the schedule's creation time, or when
   * `every` last changed) is not itself a slot, so the first run is one interval after it.
   * Absolute elapsed time: DST changes and the time zone play no part.
   */
  | { kind: 'every'; intervalMs: number; anchor: Date }
  /** One slot. */
  | { kind: 'at'; at: Date };

/** Compiled form so a scheduler holding 100k schedules does not re-parse on every firing. */
export interface Compiled {
  /** The first slot strictly after `after`, or null when there is none (within 8 years for cron). */
  nextAfter(after: Date): Date | null;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The last instant a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

/**
 * How far ahead of its starting point a cron search looks before it concludes the expression
 * never fires again. Eight years covers the longest wait a valid expression can have, a leap
 * day across a skipped century leap year (29 Feb 2096 to 29 Feb 2104).
 */
const CRON_HORIZON_MS = 8 * 366 * DAY;

/**
 * How far back `highWater` looks for a fall-back. Longer than any daylight-saving shift (the
 * largest are 2 hours); rarer, larger historic changes are still handled correctly, only with
 * more steps (see compileCron).
 */
const FOLD_LOOKBACK_MS = 6 * HOUR;

/**
 * Compiles `when` for repeated `nextAfter` calls. Throws an Error saying what is wrong when the
 * time zone is not an IANA zone, the cron expression is invalid, the interval is under a
 * second, or a date is invalid. Callers validate earlier with the shared zod schemas; the throw
 * is there so a bad document fails loudly instead of looping or firing at random.
 */
export function compile(when: When, timezone: string): Compiled {
  const clock = zoneClock(timezone);
  switch (when.kind) {
    case 'cron':
      return compileCron(when.expr, clock);
    case 'every':
      return compileEvery(when.intervalMs, when.anchor);
    case 'at':
      return compileAt(when.at);
    default: {
      const kind: unknown = (when as { kind?: unknown }).kind;
      throw new Error(`unknown schedule kind ${JSON.stringify(kind)}: expected cron, every or at`);
    }
  }
}

/** The first `count` slots strictly after `after`, oldest first (fewer if the schedule ends). */
export function nextSlots(when: When, timezone: string, after: Date, count: number): Date[] {
  checkCount('count', count);
  const compiled = compile(when, timezone);
  const out: Date[] = [];
  let cursor = after;
  while (out.length < count) {
    const next = compiled.nextAfter(cursor);
    if (next === null) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

/**
 * Slots in (from, to], oldest first, at most `limit` of them (for catch-up after downtime).
 * When the result has exactly `limit` entries there may be more; ask again from the last one.
 */
export function slotsBetween(when: When, timezone: string, from: Date, to: Date, limit: number): Date[] {
  checkCount('limit', limit);
  const end = instant('to', to);
  const compiled = compile(when, timezone);
  const out: Date[] = [];
  let cursor = from;
  while (out.length < limit) {
    const next = compiled.nextAfter(cursor);
    if (next === null || next.getTime() > end) break;
    out.push(next);
    cursor = next;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// every and at

function compileEvery(intervalMs: number, anchor: Date): Compiled {
  if (!Number.isFinite(intervalMs) || intervalMs < MIN_EVERY_MS) {
    throw new RangeError(`every: interval must be at least ${MIN_EVERY_MS} ms; got ${intervalMs}`);
  }
  // Slots are whole seconds: the anchor's milliseconds are dropped, and with an interval that
  // is not a whole number of seconds each slot is truncated to its second. The interval is at
  // least a second, so truncated slots still strictly increase.
  const start = floorToSecond(instant('anchor', anchor));
  return {
    nextAfter(after) {
      const firstCandidate = floorToSecond(instant('after', after)) + SECOND;
      const k = Math.max(1, Math.ceil((firstCandidate - start) / intervalMs));
      const slot = floorToSecond(start + k * intervalMs);
      return slot <= MAX_DATE_MS ? new Date(slot) : null;
    },
  };
}

function compileAt(at: Date): Compiled {
  const slot = floorToSecond(instant('at', at));
  return {
    nextAfter(after) {
      return slot > instant('after', after) ? new Date(slot) : null;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// cron

/** The expanded fields of a cron expression. Index = value, so lookups are O(1). */
interface CronSpec {
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** Index 1..31. */
  daysOfMonth: boolean[];
  /** Index 1..12. */
  months: boolean[];
  /** Index 0..6, Sunday = 0 (a 7 in the expression is folded into 0). */
  daysOfWeek: boolean[];
  /** Vixie cron: when both day fields are restricted, a day matches if either does. */
  dayOr: boolean;
}

function compileCron(expr: string, clock: ZoneClock): Compiled {
  const spec = parseCron(expr);
  return {
    nextAfter(after) {
      const a = instant('after', after);
      // A local time L fires at the first instant whose wall-clock reading is at least L (its
      // first occurrence if repeated, the end of the gap if skipped). That instant is after `a`
      // exactly when L is later than every wall-clock reading up to `a`, so the search starts
      // just past that high-water mark: from inside the second pass of a repeated hour it jumps
      // to the hour's end in one step instead of visiting (up to 3600) already-fired times.
      const start = floorToSecond(clock.highWater(a)) + SECOND;
      const horizon = start + CRON_HORIZON_MS;
      let wall = nextMatchingWall(spec, start, horizon);
      while (wall !== null) {
        const slot = clock.firstInstantAtOrAfter(wall);
        if (!Number.isFinite(slot)) return null; // past the range luxon and Date can represent
        // True at once by the argument above. The check is what correctness rests on, though:
        // for a fall-back longer than the lookback (historic date-line moves) or two changes
        // within a day, the walk simply continues until it is past `a`.
        if (slot > a) return slot <= MAX_DATE_MS ? new Date(slot) : null;
        wall = nextMatchingWall(spec, wall + SECOND, horizon);
      }
      return null;
    },
  };
}

/**
 * Parsed expressions, by text. A firing compiles its schedule's expression (twice: its slots, and
 * the next one), and parsing was a tenth of the scheduler's CPU in a burst; specs are never
 * changed after parsing, so one is shared by every schedule with the same expression.
 */
const specs = new Map<string, CronSpec>();
/** Expressions remembered before the cache starts again (schedules share a few expressions in practice). */
const SPEC_CACHE_SIZE = 10_000;

function parseCron(expr: string): CronSpec {
  let spec = specs.get(expr);
  if (!spec) {
    spec = parseCronText(expr);
    if (specs.size >= SPEC_CACHE_SIZE) specs.clear();
    specs.set(expr, spec);
  }
  return spec;
}

function parseCronText(expr: string): CronSpec {
  const parsed = cronFields(expr);
  if ('error' in parsed) throw new Error(`invalid cron expression "${expr}": ${parsed.error}`);
  const [, , , domText, , dowText] = parsed.fields;
  const { fields } = CronExpressionParser.parse(parsed.fields.join(' '));
  const numbers = (values: readonly (number | string)[]): number[] =>
    values.filter((v): v is number => typeof v === 'number').sort((x, y) => x - y);
  const flags = (values: number[], size: number): boolean[] => {
    const out = new Array<boolean>(size).fill(false);
    for (const v of values) out[v % size] = true;
    return out;
  };
  return {
    seconds: [...new Set(numbers(fields.second.values))],
    minutes: [...new Set(numbers(fields.minute.values))],
    hours: [...new Set(numbers(fields.hour.values))],
    daysOfMonth: flags(numbers(fields.dayOfMonth.values), 32),
    months: flags(numbers(fields.month.values), 13),
    daysOfWeek: flags(numbers(fields.dayOfWeek.values), 7),
    dayOr: isRestricted(domText) && isRestricted(dowText),
  };
}

/**
 * A day field is unrestricted only when it is `*` or `?` (or `*\/1`). Like robfig/cron, which
 * Kubernetes CronJobs use, `*\/2` counts as a restriction; Vixie cron looks only at the first
 * character and would treat it as `*`.
 */
function isRestricted(field: string | undefined): boolean {
  return field === undefined ? false : !/^[*?](\/1)?$/.test(field);
}

/**
 * The first wall-clock time at or after `start` (whole-second "wall ms": the local date and
 * time written as if it were UTC) that the expression matches, or null past `horizon`. Pure
 * calendar arithmetic with no time zone: months are skipped whole, days one at a time, and the
 * time of day comes from the expanded sets, so even `0 0 29 2 *` costs a few hundred steps.
 */
function nextMatchingWall(spec: CronSpec, start: number, horizon: number): number | null {
  let day = Math.floor(start / DAY) * DAY;
  let fromTime = start - day;
  while (day <= horizon) {
    const date = new Date(day);
    if (!spec.months[date.getUTCMonth() + 1]) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1);
      day = date.getTime();
      fromTime = 0;
      continue;
    }
    if (dayMatches(spec, date.getUTCDate(), date.getUTCDay())) {
      const time = firstTimeOfDay(spec, fromTime);
      if (time !== null) return day + time;
    }
    day += DAY;
    fromTime = 0;
  }
  return null;
}

function dayMatches(spec: CronSpec, dayOfMonth: number, dayOfWeek: number): boolean {
  const dom = spec.daysOfMonth[dayOfMonth] === true;
  const dow = spec.daysOfWeek[dayOfWeek] === true;
  // An unrestricted field has every flag set, so AND reduces to the other field.
  return spec.dayOr ? dom || dow : dom && dow;
}

/** The first matching time of day at or after `from` (ms since local midnight), or null. */
function firstTimeOfDay(spec: CronSpec, from: number): number | null {
  const h0 = Math.floor(from / HOUR);
  const m0 = Math.floor((from % HOUR) / MINUTE);
  const s0 = Math.floor((from % MINUTE) / SECOND);
  for (const h of spec.hours) {
    if (h < h0) continue;
    for (const m of spec.minutes) {
      if (h === h0 && m < m0) continue;
      for (const s of spec.seconds) {
        if (h === h0 && m === m0 && s < s0) continue;
        return h * HOUR + m * MINUTE + s * SECOND;
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// time zone arithmetic

/**
 * UTC offsets (minutes) per zone and UTC hour, or null for an hour with a transition in it.
 * Shared by every schedule in the zone: one luxon lookup formats a date with Intl (about 15 µs)
 * and a slot takes several, which adds up over 100k schedules. An hour whose two ends agree is
 * taken as constant: no zone changes its offset twice within an hour.
 */
const offsetsByHour = new Map<string, Map<number, number | null>>();
/** Hours remembered per zone before that zone's cache starts again. */
const OFFSET_CACHE_HOURS = 20_000;

interface ZoneClock {
  /** The highest wall-clock reading (wall ms) the zone shows at any instant up to `ts`. */
  highWater(ts: number): number;
  /** The first whole-second instant whose wall-clock reading is at least `wall`. */
  firstInstantAtOrAfter(wall: number): number;
}

/** One clock per zone: checking a zone name against the IANA database was 6% of a burst's CPU. */
const clocks = new Map<string, ZoneClock>();

function zoneClock(timezone: string): ZoneClock {
  let clock = clocks.get(timezone);
  if (!clock) clocks.set(timezone, (clock = newZoneClock(timezone))); // invalid names throw, uncached
  return clock;
}

function newZoneClock(timezone: string): ZoneClock {
  if (typeof timezone !== 'string' || !IANAZone.isValidZone(timezone)) {
    throw new RangeError(
      `unknown time zone ${JSON.stringify(timezone)}: use an IANA name such as "Europe/Berlin" or "UTC"`,
    );
  }
  const zone = IANAZone.create(timezone);
  let byHour = offsetsByHour.get(timezone);
  if (!byHour) offsetsByHour.set(timezone, (byHour = new Map()));
  const hours = byHour;
  const offset = (ts: number): number => {
    const hour = Math.floor(ts / HOUR);
    let known = hours.get(hour);
    if (known === undefined) {
      const first = zone.offset(hour * HOUR);
      known = first === zone.offset(hour * HOUR + HOUR - 1) ? first : null;
      if (hours.size >= OFFSET_CACHE_HOURS) hours.clear();
      hours.set(hour, known);
    }
    return (known ?? zone.offset(ts)) * MINUTE;
  };
  const wallAt = (ts: number): number => ts + offset(ts);

  return {
    highWater(ts) {
      const now = offset(ts);
      const earlier = ts - FOLD_LOOKBACK_MS;
      if (offset(earlier) <= now) return ts + now;
      // The clocks went back within the lookback: find the change and take the reading just
      // before it, which is ahead of the current reading while the repeated stretch lasts.
      let lo = earlier;
      let hi = ts;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offset(mid) === now) hi = mid;
        else lo = mid;
      }
      return Math.max(ts + now, wallAt(lo));
    },

    firstInstantAtOrAfter(wall) {
      // The instant is wall - offset for an offset in force near it. Sampling a day either side
      // catches both offsets around any transition the instant could be close to.
      const offsets = [...new Set([offset(wall - DAY), offset(wall), offset(wall + DAY)])];
      let first = Infinity;
      for (const o of offsets) {
        const ts = wall - o;
        if (offset(ts) === o && ts < first) first = ts; // earliest = first occurrence of a repeat
      }
      if (first !== Infinity) return first;
      // No instant shows this reading: it is in a spring-forward gap. The answer is the moment
      // the clocks jumped, found by bisection (the reading rises monotonically across the gap).
      let lo = wall - Math.max(...offsets);
      let hi = wall - Math.min(...offsets);
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (wallAt(mid) >= wall) hi = mid;
        else lo = mid;
      }
      return Math.ceil(hi / SECOND) * SECOND;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// helpers

function floorToSecond(ms: number): number {
  return Math.floor(ms / SECOND) * SECOND;
}

function instant(name: string, d: Date): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a valid Date`);
  return ms;
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer; got ${n}`);
}

/**
 * Conversion between an instant and the wall-clock time of an IANA zone, for the "Run at" input:
 * a `datetime-local` value has no zone, and the schedule's zone (not the viewer's) gives it one.
 */

const partFormats = new Map<string, Intl.DateTimeFormat>();

function parts(instant: number, timeZone: string): Record<string, number> {
  let f = partFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormats.set(timeZone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(instant))) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/** The zone's offset from UTC at `instant`, in milliseconds (positive east of Greenwich). */
function offsetAt(instant: number, timeZone: string): number {
  const p = parts(instant, timeZone);
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

const wallPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * "2030-01-01T09:00" in `timeZone` → "2030-01-01T08:00:00.000Z"; null when unparseable. A wall
 * time that occurs twice (autumn fall-back) means its first occurrence; one that does not exist
 * (a spring-forward gap) is read with the offset before the gap, so it lands after it (02:30 on
 * a New York spring-forward night → 03:30 EDT).
 */
export function wallTimeToIso(wall: string, timeZone: string): string | null {
  const m = wallPattern.exec(wall.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(asUtc)) return null;
  try {
    // The zone's offsets a day either side bracket any transition near this wall time.
    const before = offsetAt(asUtc - 86_400_000, timeZone);
    const after = offsetAt(asUtc + 86_400_000, timeZone);
    const candidates = [asUtc - before, asUtc - after]
      .filter((instant, i) => offsetAt(instant, timeZone) === (i === 0 ? before : after))
      .sort((a, b) => a - b);
    return new Date(candidates[0] ?? asUtc - before).toISOString();
  } catch {
    return null;
  }
}

/** An instant as the wall time of `timeZone`, in the `datetime-local` format with seconds. */
export function isoToWallTime(iso: string, timeZone: string): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  let p: Record<string, number>;
  try {
    p = parts(t, timeZone);
  } catch {
    p = parts(t, 'UTC');
  }
  const two = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}`;
}

/** The viewer's IANA zone, or UTC when the browser does not say. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let zoneList: string[] | null = null;

/** Every zone the browser knows, UTC first (Chromium leaves UTC out of its list). */
export function timeZones(): string[] {
  if (!zoneList) {
    let all: string[] = [];
    try {
      all = Intl.supportedValuesOf('timeZone');
    } catch {
      all = [];
    }
    zoneList = ['UTC', ...all.filter((z) => z !== 'UTC')];
  }
  return zoneList;
}

/**
 * When the local day of `iso` in `timeZone` contains a UTC-offset change (a DST switch), the
 * offsets before and after, in minutes east of UTC; otherwise null. Used to warn that a
 * previewed fire time falls on such a day, where local times can be skipped or repeated.
 */
export function dstChangeOnDay(iso: string, timeZone: string): { before: number; after: number } | null {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return null;
  try {
    const day = isoToWallTime(iso, timeZone).slice(0, 10);
    const start = wallTimeToIso(`${day}T00:00`, timeZone);
    if (!start) return null;
    // The next local midnight is at most 25 h later; the offsets at the day's two ends differ on a change day.
    const startMs = Date.parse(start);
    const before = offsetAt(startMs, timeZone);
    const nextDay = isoToWallTime(new Date(startMs + 26 * 3_600_000).toISOString(), timeZone).slice(0, 10);
    const end = Date.parse(wallTimeToIso(`${nextDay}T00:00`, timeZone) ?? '') - 1000;
    const after = offsetAt(end, timeZone);
    return before === after ? null : { before: before / 60_000, after: after / 60_000 };
  } catch {
    return null;
  }
}

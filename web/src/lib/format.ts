import { toString as describeCron } from 'cronstrue';
import { cronFields, parseDuration } from '@crony/shared';

/**
 * Display helpers. Everything here formats for the viewer (their locale and, unless a zone is
 * given, their time zone); the ISO value always goes in a `title` by the components that use it.
 */

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(timeZone: string | undefined, withYear: boolean, withZone: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${withYear}|${withZone}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, {
      year: withYear ? 'numeric' : undefined,
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZone,
      timeZoneName: withZone ? 'short' : undefined,
    });
    dateTimeFormats.set(key, f);
  }
  return f;
}

/** "Nov 27, 09:30:05" (the year only when it is not this year), in `timeZone` or the viewer's zone. */
export function formatDateTime(iso: string, opts: { timeZone?: string; withZone?: boolean } = {}): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const withYear = d.getFullYear() !== new Date().getFullYear();
  return dateTimeFormat(opts.timeZone, withYear, opts.withZone ?? false).format(d);
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

/** "in 3 minutes", "5 seconds ago", relative to `now` (ms since epoch). */
export function formatRelative(iso: string, now: number): string {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return iso;
  const diff = t - now;
  const abs = Math.abs(diff);
  const sign = Math.sign(diff) || 1;
  if (abs < 1000) return diff >= 0 ? 'now' : 'just now';
  if (abs < 60_000) return relativeFormat.format(sign * Math.round(abs / 1000), 'second');
  if (abs < 3_600_000) return relativeFormat.format(sign * Math.round(abs / 60_000), 'minute');
  if (abs < 86_400_000) return relativeFormat.format(sign * Math.round(abs / 3_600_000), 'hour');
  if (abs < 30 * 86_400_000) return relativeFormat.format(sign * Math.round(abs / 86_400_000), 'day');
  if (abs < 365 * 86_400_000) return relativeFormat.format(sign * Math.round(abs / (30 * 86_400_000)), 'month');
  return relativeFormat.format(sign * Math.round(abs / (365 * 86_400_000)), 'year');
}

/** A compact duration: "850 ms", "2.4 s", "3m 05s", "2h 10m". */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) {
    if (abs % 1000 === 0) return `${ms / 1000} s`;
    return `${(ms / 1000).toFixed(abs < 10_000 ? 2 : 1)} s`;
  }
  const sign = ms < 0 ? '-' : '';
  const totalSeconds = Math.round(abs / 1000);
  if (abs < 3_600_000) {
    const seconds = totalSeconds % 60;
    return `${sign}${Math.floor(totalSeconds / 60)}m${seconds ? ` ${String(seconds).padStart(2, '0')}s` : ''}`;
  }
  const totalMinutes = Math.round(abs / 60_000);
  const minutes = totalMinutes % 60;
  return `${sign}${Math.floor(totalMinutes / 60)}h${minutes ? ` ${String(minutes).padStart(2, '0')}m` : ''}`;
}

const durationUnits: [number, string][] = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** A duration in words: 300000 → "5 minutes", 5400000 → "1 hour 30 minutes", 1500 → "1.5 seconds". */
export function durationInWords(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [size, unit] of durationUnits) {
    if (unit === 'second') {
      const seconds = Math.round((rest / size) * 1000) / 1000;
      if (seconds > 0) parts.push(`${seconds} ${unit}${seconds === 1 ? '' : 's'}`);
      break;
    }
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
    rest -= n * size;
  }
  return parts.length ? parts.join(' ') : `${ms} ms`;
}

/** A cron expression in words, or null when it is not one the API would accept. */
export function cronInWords(expr: string): string | null {
  if ('error' in cronFields(expr)) return null;
  try {
    return describeCron(expr.trim(), { use24HourTimeFormat: true, throwExceptionOnParseError: true, verbose: false });
  } catch {
    return null;
  }
}

/** An `every` value in words ("Every 5 minutes"), or null when it is not a duration. */
export function everyInWords(every: string): string | null {
  const ms = parseDuration(every);
  if (ms === null || ms <= 0) return null;
  const words = durationInWords(ms);
  return `Every ${words.replace(/^1 (day|hour|minute|second)$/, '$1')}`;
}

export interface When {
  cron?: string | null;
  every?: string | null;
  at?: string | null;
}

/** How a schedule's timing reads in a table: "Every 5 minutes", "At 09:00", "Once at Nov 27, 09:00:00". */
export function whenInWords(w: When): string {
  if (w.cron) return cronInWords(w.cron) ?? w.cron;
  if (w.every) return everyInWords(w.every) ?? `Every ${w.every}`;
  if (w.at) return `Once at ${formatDateTime(w.at)}`;
  return '—';
}

/** The raw expression behind `whenInWords`, for a `title` or a code span. */
export function whenRaw(w: When): string {
  if (w.cron) return w.cron;
  if (w.every) return `every ${w.every}`;
  if (w.at) return `at ${w.at}`;
  return '';
}

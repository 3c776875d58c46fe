'use client';

import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';

/** The hover text of a time: the instant in `zone` (a schedule's), then the ISO value. */
const hoverTitle = (iso: string, zone: string | undefined) =>
  zone ? `${formatDateTime(iso, { timeZone: zone, withZone: true })} · ${iso}` : iso;

/**
 * An absolute time in the viewer's zone (or `timeZone`), with the ISO value as its title, and
 * the time in `hoverZone` (a schedule's zone) on hover.
 */
export function DateTime({
  iso,
  timeZone,
  withZone,
  hoverZone,
}: {
  iso: string;
  timeZone?: string;
  withZone?: boolean;
  hoverZone?: string;
}) {
  return (
    <time dateTime={iso} title={hoverTitle(iso, hoverZone)}>
      {formatDateTime(iso, { timeZone, withZone })}
    </time>
  );
}

/** "in 3 minutes" / "5 seconds ago", kept current, with the ISO value as its title. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow(1000);
  return (
    <time dateTime={iso} title={iso}>
      {formatRelative(iso, now)}
    </time>
  );
}

/** Relative time above, absolute time below (muted): the layout used in tables. */
export function StackedTime({
  iso,
  empty = '—',
  hoverZone,
}: {
  iso: string | null | undefined;
  empty?: string;
  /** A schedule's zone, shown on hover. */
  hoverZone?: string;
}) {
  if (!iso) return <span className="muted">{empty}</span>;
  return (
    <span className="stacked">
      <RelativeTime iso={iso} />
      <span className="muted small">
        <DateTime iso={iso} hoverZone={hoverZone} />
      </span>
    </span>
  );
}

'use client';

import { formatDateTime, formatRelative } from '../../lib/format.ts';
import { useNow } from '../../lib/hooks.ts';

/** An absolute time in the viewer's zone (or `timeZone`), with the ISO value as its title. */
export function DateTime({ iso, timeZone, withZone }: { iso: string; timeZone?: string; withZone?: boolean }) {
  return (
    <time dateTime={iso} title={iso}>
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
export function StackedTime({ iso, empty = '—' }: { iso: string | null | undefined; empty?: string }) {
  if (!iso) return <span className="muted">{empty}</span>;
  return (
    <span className="stacked">
      <RelativeTime iso={iso} />
      <span className="muted small">
        <DateTime iso={iso} />
      </span>
    </span>
  );
}

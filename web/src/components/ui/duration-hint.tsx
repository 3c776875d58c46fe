import { parseDuration } from '@crony/shared';
import { durationInWords } from '../../lib/format.ts';

/** A duration field's hint: `ok(words)` once the value reads as a duration, else `empty` or a warning. */
export function durationHint(raw: string, ok: (words: string) => string, empty: string) {
  if (!raw.trim()) return empty;
  const ms = parseDuration(raw);
  if (ms === null || ms <= 0)
    return (
      <span className="warn">Not a duration yet: try &quot;30s&quot;, &quot;5 minutes&quot; or &quot;1h&quot;.</span>
    );
  return ok(durationInWords(ms));
}

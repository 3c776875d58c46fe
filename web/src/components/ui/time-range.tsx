'use client';

import { useState, type ChangeEvent, type ReactNode } from 'react';
import { IsoDateTime } from '@crony/shared';
import { browserTimeZone, isoToWallTime, wallTimeToIso } from '../../lib/zoned.ts';

/** An instant from the address, or undefined when absent or not an ISO date-time. */
function instantParam(value: string | null): string | undefined {
  const parsed = IsoDateTime.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** An instant as a `datetime-local` value (minutes) in the viewer's zone. */
function toInput(iso: string | undefined, zone: string): string {
  return iso ? isoToWallTime(iso, zone).slice(0, 16) : '';
}

export type TimeRange = ReturnType<typeof useTimeRange>;

/**
 * A `from`/`to` filter kept in the address as ISO instants (so a shared link means the same
 * range in every zone) and edited in two `datetime-local` inputs in the viewer's zone.
 */
export function useTimeRange(
  searchParams: { get: (key: string) => string | null },
  setParams: (changes: Record<string, string | undefined>) => void,
) {
  const from = instantParam(searchParams.get('from'));
  const to = instantParam(searchParams.get('to'));
  const [zone] = useState(browserTimeZone);
  // The inputs keep their own text: a half-typed date has no value yet and must not be wiped
  // by re-rendering from the address.
  const [fromInput, setFromInput] = useState(() => toInput(from, zone));
  const [toInputValue, setToInput] = useState(() => toInput(to, zone));

  const onInput = (key: 'from' | 'to', setInput: (v: string) => void) => (e: ChangeEvent<HTMLInputElement>) => {
    const { value, validity } = e.target;
    setInput(value);
    // An empty value with badInput is a date still being typed; only a complete one, or a
    // cleared field, changes the filter.
    if (value === '' && validity.badInput) return;
    setParams({ [key]: value ? (wallTimeToIso(value, zone) ?? undefined) : undefined });
  };

  return {
    from,
    to,
    zone,
    fromInput,
    toInput: toInputValue,
    onFromInput: onInput('from', setFromInput),
    onToInput: onInput('to', setToInput),
    /** True while either end is set or being typed. */
    active: Boolean(from || to || fromInput || toInputValue),
    /** Empties both inputs; the caller drops `from` and `to` from the address (with any other filters it clears). */
    clearInputs: () => {
      setFromInput('');
      setToInput('');
    },
  };
}

/** The From and To inputs of a `useTimeRange`, with what the times are (`caption`) and the zone. */
export function TimeRangeInputs({
  range,
  idPrefix,
  label,
  caption,
  children,
}: {
  range: TimeRange;
  /** Prefix of the inputs' ids, e.g. "run" for `run-from` and `run-to`. */
  idPrefix: string;
  /** The group's accessible name, e.g. "Slot time range". */
  label: string;
  caption: string;
  /** Extra controls at the end of the group, e.g. a clear button. */
  children?: ReactNode;
}) {
  const zoneId = `${idPrefix}-range-zone`;
  return (
    <div className="range" role="group" aria-label={label}>
      <div className="field inline">
        <label htmlFor={`${idPrefix}-from`}>From</label>
        <input
          id={`${idPrefix}-from`}
          type="datetime-local"
          value={range.fromInput}
          max={range.toInput || undefined}
          onChange={range.onFromInput}
          aria-describedby={zoneId}
        />
      </div>
      <div className="field inline">
        <label htmlFor={`${idPrefix}-to`}>To</label>
        <input
          id={`${idPrefix}-to`}
          type="datetime-local"
          value={range.toInput}
          min={range.fromInput || undefined}
          onChange={range.onToInput}
          aria-describedby={zoneId}
        />
      </div>
      <span id={zoneId} className="muted small">
        {caption}, in {range.zone}
      </span>
      {children}
    </div>
  );
}

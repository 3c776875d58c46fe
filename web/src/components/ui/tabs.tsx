'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface TabSpec {
  id: string;
  label: string;
  /** Rendered only while the tab is selected, so a hidden tab does not poll. */
  panel: () => ReactNode;
}

/**
 * WAI-ARIA tabs (arrow keys, Home/End) whose selection lives in the address as `?tab=`, so a
 * tab can be linked to and survives a reload. The first tab is the default and has no parameter.
 */
export function Tabs({ label, tabs }: { label: string; tabs: readonly TabSpec[] }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const base = useId();
  const [current, setCurrent] = useState(() => {
    const wanted = searchParams.get('tab');
    return tabs.find((t) => t.id === wanted)?.id ?? tabs[0]?.id ?? '';
  });
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});

  const select = (id: string, focus = false) => {
    setCurrent(id);
    const params = new URLSearchParams(window.location.search);
    if (id === tabs[0]?.id) params.delete('tab');
    else params.set('tab', id);
    const qs = params.toString();
    window.history.replaceState(null, '', qs ? `${pathname}?${qs}` : pathname);
    if (focus) refs.current[id]?.focus();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const i = tabs.findIndex((t) => t.id === current);
    const to =
      e.key === 'ArrowRight'
        ? (i + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : null;
    if (to === null) return;
    e.preventDefault();
    select(tabs[to]!.id, true);
  };

  const active = tabs.find((t) => t.id === current) ?? tabs[0];
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs" onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${t.id}`}
            aria-selected={t.id === active?.id}
            aria-controls={`${base}-panel-${t.id}`}
            tabIndex={t.id === active?.id ? 0 : -1}
            className="tab"
            onClick={() => select(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {active ? (
        <div
          role="tabpanel"
          id={`${base}-panel-${active.id}`}
          aria-labelledby={`${base}-tab-${active.id}`}
          className="tab-panel"
        >
          {active.panel()}
        </div>
      ) : null}
    </>
  );
}

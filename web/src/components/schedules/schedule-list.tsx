'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { runStatuses, type RunStatus, type Schedule } from '@crony/shared';
import { api, errorMessage, type ScheduleSort } from '../../lib/api.ts';
import { whenInWords, whenRaw } from '../../lib/format.ts';
import { useDebounced } from '../../lib/hooks.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { useHasRole } from '../shell/me-context.tsx';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { LoadMore } from '../ui/load-more.tsx';
import { TableState } from '../ui/table-state.tsx';
import { PausedBadge } from '../ui/status-badge.tsx';
import { StackedTime } from '../ui/time.tsx';
import { LastResult } from './last-result.tsx';
import { BulkBar } from './bulk-bar.tsx';
import { usePauseToggle } from './use-pause.ts';

type StateFilter = 'all' | 'active' | 'paused';
type LastFilter = RunStatus | 'never' | '';
type Order = 'asc' | 'desc';
const COLUMNS = 8;
const sorts: readonly ScheduleSort[] = ['created', 'name', 'next_run_at', 'last_run'];
/** The order a column sorts in on its first click: names A–Z, soonest next run, latest result. */
const firstOrder: Record<ScheduleSort, Order> = { created: 'desc', name: 'asc', next_run_at: 'asc', last_run: 'desc' };

export function ScheduleList() {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const canWrite = useHasRole('member');

  const [q, setQ] = useState(() => searchParams.get('q') ?? '');
  const [state, setState] = useState<StateFilter>(() => {
    const p = searchParams.get('paused');
    return p === 'true' ? 'paused' : p === 'false' ? 'active' : 'all';
  });
  const [last, setLast] = useState<LastFilter>(() => {
    const v = searchParams.get('status') ?? '';
    return v === 'never' || (runStatuses as readonly string[]).includes(v) ? (v as LastFilter) : '';
  });
  const [sort, setSort] = useState<ScheduleSort>(() => {
    const v = searchParams.get('sort') as ScheduleSort | null;
    return v && sorts.includes(v) ? v : 'created';
  });
  const [order, setOrder] = useState<Order>(() =>
    searchParams.get('order') === 'asc' ? 'asc' : searchParams.get('order') === 'desc' ? 'desc' : firstOrder[sort],
  );
  const [group, setGroup] = useState(() => searchParams.get('group') ?? '');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [labelText, setLabelText] = useState(() => searchParams.get('label') ?? '');
  const labelTyped = useDebounced(labelText.trim(), 300);
  // Only a complete key=value filters; a half-typed one is pointed out instead of sent.
  const labelValid = labelTyped === '' || /^[^=]+=.*$/.test(labelTyped);
  const label = labelValid && labelTyped ? labelTyped : undefined;
  const query = useDebounced(q.trim(), 300);
  const paused = state === 'all' ? undefined : state === 'paused';
  const params = {
    q: query || undefined,
    paused,
    status: last || undefined,
    label,
    group: group || undefined,
    sort,
    order,
  };
  const groups = useQuery({ queryKey: queryKeys.groups, queryFn: api.listGroups, staleTime: 30_000 });

  const sortBy = (column: ScheduleSort) => {
    if (column === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(column);
      setOrder(firstOrder[column]);
    }
  };

  // Keep the filters in the address, so a filtered list can be shared and survives a reload.
  // history.replaceState (which Next's router observes) rather than router.replace: no
  // navigation, no server round trip per keystroke.
  useEffect(() => {
    const params = new URLSearchParams();
    if (query) params.set('q', query);
    if (paused !== undefined) params.set('paused', String(paused));
    if (last) params.set('status', last);
    if (label) params.set('label', label);
    if (group) params.set('group', group);
    if (sort !== 'created') params.set('sort', sort);
    if (order !== firstOrder[sort]) params.set('order', order);
    const qs = params.toString();
    const url = qs ? `${pathname}?${qs}` : pathname;
    if (url !== `${window.location.pathname}${window.location.search}`) window.history.replaceState(null, '', url);
  }, [query, paused, last, label, group, sort, order, pathname]);

  const list = useInfiniteQuery({
    queryKey: queryKeys.scheduleList(params),
    queryFn: ({ pageParam }) => api.listSchedules({ ...params, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    // Next run and last result move on their own; keep them current while the page is open.
    refetchInterval: 5_000,
  });

  const schedules = list.data?.pages.flatMap((p) => p.data) ?? [];
  const filtered = Boolean(query) || paused !== undefined || Boolean(last) || Boolean(label) || Boolean(group);
  // Only rows on screen can stay selected: a deleted or filtered-out schedule drops out.
  const visible = new Set(schedules.map((s) => s.id));
  const chosen = [...selected].filter((id) => visible.has(id));
  const allChosen = schedules.length > 0 && chosen.length === schedules.length;
  const toggleRow = (id: string) => {
    const next = new Set(chosen);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Schedules</h1>
          <p className="muted">Cron, interval and one-off schedules that call your HTTP endpoints.</p>
        </div>
        {canWrite ? (
          <Link href="/schedules/new" className="button primary">
            New schedule
          </Link>
        ) : null}
      </div>

      {/* Nothing to search in yet: the empty state below says what to do instead. */}
      <div className="toolbar" role="search" hidden={list.isSuccess && schedules.length === 0 && !filtered}>
        <label htmlFor="schedule-search" className="sr-only">
          Search schedules
        </label>
        <input
          id="schedule-search"
          type="search"
          className="search"
          placeholder="Search by name…"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <label htmlFor="schedule-state" className="sr-only">
          Show
        </label>
        <select id="schedule-state" value={state} onChange={(e) => setState(e.target.value as StateFilter)}>
          <option value="all">All schedules</option>
          <option value="active">Active only</option>
          <option value="paused">Paused only</option>
        </select>
        <label htmlFor="schedule-last" className="sr-only">
          Last result
        </label>
        <select id="schedule-last" value={last} onChange={(e) => setLast(e.target.value as LastFilter)}>
          <option value="">Any last result</option>
          <option value="succeeded">Last run succeeded</option>
          <option value="failed">Last run failed</option>
          <option value="timed_out">Last run timed out</option>
          <option value="missed">Last run missed</option>
          <option value="cancelled">Last run cancelled</option>
          <option value="never">Never run</option>
        </select>
        {groups.data && groups.data.length > 0 ? (
          <>
            <label htmlFor="schedule-group" className="sr-only">
              Group
            </label>
            <select id="schedule-group" value={group} onChange={(e) => setGroup(e.target.value)}>
              <option value="">Any group</option>
              {groups.data.map((g) => (
                <option key={g.id} value={g.name}>
                  Group {g.name}
                </option>
              ))}
            </select>
          </>
        ) : null}
        <label htmlFor="schedule-label" className="sr-only">
          Worker label
        </label>
        <input
          id="schedule-label"
          type="text"
          className="search label-filter"
          placeholder="Label, e.g. gpu=yes"
          value={labelText}
          onChange={(e) => setLabelText(e.target.value)}
          aria-invalid={labelValid ? undefined : true}
          aria-describedby={labelValid ? undefined : 'schedule-label-error'}
        />
        {labelValid ? null : (
          <span id="schedule-label-error" className="field-error small">
            Write the label as key=value
          </span>
        )}
      </div>

      {canWrite ? (
        <BulkBar
          schedules={schedules.filter((s) => chosen.includes(s.id))}
          onDone={(failedIds) => setSelected(new Set(failedIds))}
        />
      ) : null}

      {list.isError ? <QueryErrorAlert query={list} /> : null}

      {list.isSuccess && schedules.length === 0 && !filtered ? (
        <EmptyState canWrite={canWrite} />
      ) : (
        <div className="table-wrap">
          <table className="table" aria-busy={list.isPending}>
            <thead>
              <tr>
                <th scope="col" className="select-cell">
                  {canWrite ? (
                    <input
                      type="checkbox"
                      aria-label="Select all schedules shown"
                      checked={allChosen}
                      ref={(el) => {
                        if (el) el.indeterminate = chosen.length > 0 && !allChosen;
                      }}
                      onChange={() => setSelected(allChosen ? new Set() : visible)}
                      disabled={schedules.length === 0}
                    />
                  ) : null}
                </th>
                <SortHeader column="name" label="Name" sort={sort} order={order} onSort={sortBy} />
                <th scope="col">When</th>
                <th scope="col">Time zone</th>
                <SortHeader column="next_run_at" label="Next run" sort={sort} order={order} onSort={sortBy} />
                <SortHeader column="last_run" label="Last result" sort={sort} order={order} onSort={sortBy} />
                <th scope="col">State</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <TableState
                columns={COLUMNS}
                pending={list.isPending}
                empty={
                  list.isSuccess && schedules.length === 0 ? (
                    <>
                      No schedules match{query ? ` “${query}”` : ''}
                      {paused !== undefined ? ` among ${paused ? 'paused' : 'active'} schedules` : ''}
                      {last ? ` with that last result` : ''}
                      {label ? ` with label ${label}` : ''}
                      {group ? ` in group ${group}` : ''}.
                    </>
                  ) : null
                }
              />
              {schedules.map((s) => (
                <ScheduleRow
                  key={s.id}
                  schedule={s}
                  canWrite={canWrite}
                  selected={chosen.includes(s.id)}
                  onSelect={() => toggleRow(s.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <LoadMore pages={list} />
    </>
  );
}

function SortHeader({
  column,
  label,
  sort,
  order,
  onSort,
}: {
  column: ScheduleSort;
  label: string;
  sort: ScheduleSort;
  order: Order;
  onSort: (c: ScheduleSort) => void;
}) {
  const active = sort === column;
  return (
    <th scope="col" aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true" className="sort-mark">
          {active ? (order === 'asc' ? '▲' : '▼') : '↕'}
        </span>
      </button>
    </th>
  );
}

function ScheduleRow({
  schedule: s,
  canWrite,
  selected,
  onSelect,
}: {
  schedule: Schedule;
  canWrite: boolean;
  selected: boolean;
  onSelect: () => void;
}) {
  const toggle = usePauseToggle();
  return (
    <tr
      data-schedule-id={s.id}
      className={[s.paused ? 'is-paused' : '', selected ? 'is-selected' : ''].join(' ').trim() || undefined}
    >
      <td className="select-cell">
        {canWrite ? (
          <input type="checkbox" aria-label={`Select ${s.name}`} checked={selected} onChange={onSelect} />
        ) : null}
      </td>
      <td>
        <Link href={`/schedules/${s.id}`} className="row-title">
          {s.name}
        </Link>
        {s.group ? (
          <div className="small">
            <Link href={`/groups/${s.group.name}`} className="tag" title="Task group">
              {s.group.name}
            </Link>
          </div>
        ) : null}
        {s.description ? <div className="muted small truncate">{s.description}</div> : null}
      </td>
      <td>
        <span title={whenRaw(s)}>{whenInWords(s)}</span>
        {s.cron ? <div className="muted small mono">{s.cron}</div> : null}
      </td>
      <td className="nowrap">{s.timezone}</td>
      <td className="nowrap">
        <StackedTime iso={s.paused ? null : s.next_run_at} empty={s.paused ? 'Paused' : '—'} hoverZone={s.timezone} />
      </td>
      <td className="nowrap">
        <LastResult run={s.last_run} layout="stacked" />
        <LedgerHint schedule={s} />
      </td>
      <td>
        <PausedBadge paused={s.paused} />
      </td>
      <td className="actions">
        {canWrite ? (
          <button
            type="button"
            className="button small"
            onClick={() => toggle.mutate(s)}
            disabled={toggle.isPending}
            aria-label={`${s.paused ? 'Resume' : 'Pause'} ${s.name}`}
            title={toggle.isError ? errorMessage(toggle.error) : undefined}
          >
            {s.paused ? 'Resume' : 'Pause'}
          </button>
        ) : null}
        {toggle.isError ? (
          <span className="field-error small" role="alert">
            {errorMessage(toggle.error)}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

/** "2 failed · 5 missed of 40" when the run ledger holds failures or missed slots; else nothing. */
function LedgerHint({ schedule: s }: { schedule: Schedule }) {
  const st = s.stats;
  if (!st) return null;
  const failed = st.failed + st.timed_out;
  if (failed === 0 && st.missed === 0) return null;
  const parts = [failed ? `${failed} failed` : null, st.missed ? `${st.missed} missed` : null].filter(Boolean);
  const title = `In the run ledger: ${st.runs} runs, ${st.succeeded} succeeded, ${st.failed} failed, ${st.timed_out} timed out, ${st.missed} missed, ${st.cancelled} cancelled`;
  return (
    <Link
      href={`/runs?schedule_id=${encodeURIComponent(s.id)}`}
      className="ledger-hint"
      title={title}
      data-testid="ledger-hint"
    >
      {parts.join(' · ')} of {st.runs}
    </Link>
  );
}

function EmptyState({ canWrite }: { canWrite: boolean }) {
  return (
    <div className="empty-state card">
      <div className="empty-illustration" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" strokeWidth="2">
          <circle cx="12" cy="12" r="9" />
          <path d="M12 7v5l3 2" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
      </div>
      <h2>No schedules yet</h2>
      <p className="muted">
        A schedule calls an HTTP endpoint on a cron expression, at an interval, or once at a given time, and records
        every run.
      </p>
      {canWrite ? (
        <Link href="/schedules/new" className="button primary">
          Create your first schedule
        </Link>
      ) : null}
    </div>
  );
}

'use client';

import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Id } from '@crony/shared';
import { api, hooksApi } from '../../lib/api.ts';
import { hookKeys, queryKeys } from '../../lib/query-keys.ts';
import { useAddressParams } from '../../lib/address-params.ts';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { LoadMore } from '../ui/load-more.tsx';
import { TimeRangeInputs, useTimeRange } from '../ui/time-range.tsx';
import { ErrorsTable } from './errors-table.tsx';

const REFRESH_MS = 5_000;

/** Codes the API records; any other code can still be typed into the address. */
const CODES = [
  'http_status',
  'connection_error',
  'target_timeout',
  'target_not_allowed',
  'lease_expired',
  'exit_code',
  'missed',
  'hook_failed',
];

const idParam = (value: string | null) => (Id.safeParse(value).success ? (value as string) : undefined);

/**
 * Every error of the tenant, newest first, filtered by schedule, code and time (kept in the
 * address as ISO instants, so a shared link shows the same entries in every zone). Each entry
 * links to its run, where its logs and hook deliveries are.
 */
export function ErrorsView() {
  const { searchParams, setParams } = useAddressParams();
  const scheduleId = idParam(searchParams.get('schedule_id'));
  const code = searchParams.get('code') || undefined;
  const range = useTimeRange(searchParams, setParams);
  const { from, to } = range;

  const filters = { schedule_id: scheduleId, code, from, to };
  const errors = useInfiniteQuery({
    queryKey: hookKeys.errorList(filters),
    queryFn: ({ pageParam }) => hooksApi.listErrors({ ...filters, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
  // For the schedule filter's choices: the newest 200 schedules are plenty for a picker.
  const schedules = useQuery({
    queryKey: [...queryKeys.scheduleList({}), 'picker'],
    queryFn: () => api.listSchedules({ limit: 200 }),
    staleTime: 30_000,
  });

  const list = errors.data?.pages.flatMap((p) => p.data) ?? [];
  const filtered = Boolean(scheduleId || code || from || to);
  const scheduleChoices = schedules.data?.data ?? [];

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Errors</h1>
          <p className="muted">
            Failed, timed-out and missed runs, and error hooks that could not be delivered, newest first. Each schedule
            keeps its latest entries.
          </p>
        </div>
      </div>

      <div className="toolbar">
        <div className="field inline">
          <label htmlFor="errors-schedule">Schedule</label>
          <select
            id="errors-schedule"
            value={scheduleId ?? ''}
            onChange={(e) => setParams({ schedule_id: e.target.value || undefined })}
          >
            <option value="">All schedules</option>
            {scheduleId && !scheduleChoices.some((s) => s.id === scheduleId) ? (
              <option value={scheduleId}>{scheduleId}</option>
            ) : null}
            {scheduleChoices.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor="errors-code">Code</label>
          <select
            id="errors-code"
            value={code ?? ''}
            onChange={(e) => setParams({ code: e.target.value || undefined })}
          >
            <option value="">All codes</option>
            {code && !CODES.includes(code) ? <option value={code}>{code}</option> : null}
            {CODES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </div>
        <TimeRangeInputs range={range} idPrefix="errors" label="Time range" caption="Recorded time" />
        {filtered ? (
          <button
            type="button"
            className="button ghost small"
            onClick={() => {
              range.clearInputs();
              setParams({ schedule_id: undefined, code: undefined, from: undefined, to: undefined });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </div>

      {errors.isError ? <QueryErrorAlert query={errors} /> : null}
      <ErrorsTable
        errors={list}
        pending={errors.isPending}
        showSchedule
        empty={filtered ? 'No errors match these filters.' : 'No errors. Nothing has failed or been missed.'}
      />
      <LoadMore pages={errors} />
    </>
  );
}

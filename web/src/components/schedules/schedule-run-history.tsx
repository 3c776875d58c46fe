'use client';

import Link from 'next/link';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { RunsTable } from '../runs/runs-table.tsx';
import { QueryErrorAlert } from '../ui/alert.tsx';
import { LoadMore } from '../ui/load-more.tsx';

const RUNS_REFRESH_MS = 2_000;

/** The schedule's Runs tab: its run history, newest first. */
export function RunHistory({ scheduleId }: { scheduleId: string }) {
  const runs = useInfiniteQuery({
    queryKey: queryKeys.scheduleRuns(scheduleId),
    queryFn: ({ pageParam }) => api.scheduleRuns(scheduleId, { cursor: pageParam, limit: 25 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: RUNS_REFRESH_MS,
  });
  const list = runs.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <section className="section" aria-labelledby="history-title">
      <div className="section-header">
        <h2 id="history-title">Run history</h2>
        <Link href={`/runs?schedule_id=${encodeURIComponent(scheduleId)}`} className="small">
          Open in Runs
        </Link>
      </div>
      {runs.isError ? <QueryErrorAlert query={runs} /> : null}
      <RunsTable runs={list} pending={runs.isPending} showSchedule={false} empty="No runs yet." />
      <LoadMore pages={runs} />
    </section>
  );
}

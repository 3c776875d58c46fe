'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { api, errorMessage, isApiError } from '../../lib/api.ts';
import { queryKeys } from '../../lib/query-keys.ts';
import { Alert } from '../ui/alert.tsx';
import { Spinner } from '../ui/skeleton.tsx';
import { NotFound } from './schedule-detail.tsx';
import { ScheduleForm } from './schedule-form.tsx';

export function EditSchedule({ id }: { id: string }) {
  const schedule = useQuery({ queryKey: queryKeys.schedule(id), queryFn: () => api.getSchedule(id) });

  if (schedule.isPending) {
    return (
      <div className="page-center">
        <Spinner />
      </div>
    );
  }
  if (schedule.isError) {
    if (isApiError(schedule.error) && schedule.error.status === 404) return <NotFound />;
    return <Alert>{errorMessage(schedule.error)}</Alert>;
  }
  const s = schedule.data;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/schedules">Schedules</Link>
        <span aria-hidden="true">/</span>
        <Link href={`/schedules/${s.id}`}>{s.name}</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">Edit</span>
      </nav>
      <div className="page-header">
        <h1>Edit schedule</h1>
      </div>
      {/* Keyed so a different schedule starts from its own values rather than the last one's. */}
      <ScheduleForm key={s.id} schedule={s} />
    </>
  );
}

/** `group`: the group (id or name) a new task starts in, from `?group=` (the group page links here). */
export function NewSchedule({ group }: { group?: string }) {
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/schedules">Schedules</Link>
        <span aria-hidden="true">/</span>
        <span aria-current="page">New</span>
      </nav>
      <div className="page-header">
        <h1>New schedule</h1>
      </div>
      <ScheduleForm group={group} />
    </>
  );
}

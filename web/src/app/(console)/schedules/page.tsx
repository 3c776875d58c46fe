import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ScheduleList } from '../../../components/schedules/schedule-list.tsx';

export const metadata: Metadata = { title: 'Schedules' };

export default function SchedulesPage() {
  return (
    <Suspense>
      <ScheduleList />
    </Suspense>
  );
}

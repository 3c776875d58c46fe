import type { Metadata } from 'next';
import { Suspense } from 'react';
import { ScheduleDetail } from '../../../../components/schedules/schedule-detail.tsx';

export const metadata: Metadata = { title: 'Schedule' };

export default async function SchedulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return (
    <Suspense>
      <ScheduleDetail key={id} id={id} />
    </Suspense>
  );
}

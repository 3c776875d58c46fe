import type { Metadata } from 'next';
import { ScheduleDetail } from '../../../../components/schedules/schedule-detail.tsx';

export const metadata: Metadata = { title: 'Schedule' };

export default async function SchedulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <ScheduleDetail key={id} id={id} />;
}

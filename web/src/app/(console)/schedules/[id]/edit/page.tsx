import type { Metadata } from 'next';
import { EditSchedule } from '../../../../../components/schedules/schedule-editor.tsx';

export const metadata: Metadata = { title: 'Edit schedule' };

export default async function EditSchedulePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <EditSchedule id={id} />;
}

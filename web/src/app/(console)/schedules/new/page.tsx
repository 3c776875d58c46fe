import type { Metadata } from 'next';
import { NewSchedule } from '../../../../components/schedules/schedule-editor.tsx';

export const metadata: Metadata = { title: 'New schedule' };

export default async function NewSchedulePage({ searchParams }: { searchParams: Promise<{ group?: string }> }) {
  const { group } = await searchParams;
  return <NewSchedule group={typeof group === 'string' ? group : undefined} />;
}

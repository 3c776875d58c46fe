import type { Metadata } from 'next';
import { NewSchedule } from '../../../../components/schedules/schedule-editor.tsx';

export const metadata: Metadata = { title: 'New schedule' };

export default function NewSchedulePage() {
  return <NewSchedule />;
}

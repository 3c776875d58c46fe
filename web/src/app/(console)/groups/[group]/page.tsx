import type { Metadata } from 'next';
import { GroupDetail } from '../../../../components/groups/group-detail.tsx';

export const metadata: Metadata = { title: 'Group' };

export default async function GroupPage({ params }: { params: Promise<{ group: string }> }) {
  const { group } = await params;
  const ref = decodeURIComponent(group);
  return <GroupDetail key={ref} group={ref} />;
}

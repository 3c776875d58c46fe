import type { Metadata } from 'next';
import { AcceptInvite } from '../../../../components/members/accept-invite.tsx';

export const metadata: Metadata = { title: 'Join your team' };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return <AcceptInvite token={token} />;
}

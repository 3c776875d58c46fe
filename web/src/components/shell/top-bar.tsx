'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../lib/api.ts';
import { useMe } from './me-context.tsx';

const nav = [
  { href: '/overview', label: 'Overview' },
  { href: '/schedules', label: 'Schedules' },
  { href: '/groups', label: 'Groups' },
  { href: '/runs', label: 'Runs' },
  { href: '/errors', label: 'Errors' },
  { href: '/workers', label: 'Workers' },
  { href: '/profiles', label: 'Profiles' },
  { href: '/tokens', label: 'Tokens' },
  { href: '/members', label: 'Members' },
  { href: '/settings', label: 'Settings' },
];

export function TopBar() {
  const me = useMe();
  const pathname = usePathname();
  const logout = useMutation({
    mutationFn: api.logout,
    // A full load, not a client navigation: nothing of this session may stay in memory.
    onSettled: () => window.location.assign('/login'),
  });
  const who = me.user?.email ?? (me.token ? `token ${me.token.name}` : '');

  return (
    <header className="topbar">
      <div className="topbar-inner">
        <Link href="/overview" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Cloud Crony
        </Link>
        <nav aria-label="Main" className="mainnav">
          {nav.map((item) => {
            const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
            return (
              <Link key={item.href} href={item.href} aria-current={active ? 'page' : undefined}>
                {item.label}
              </Link>
            );
          })}
        </nav>
        <div className="account">
          <span className="account-who">
            <span className="account-tenant" data-testid="tenant-name">
              {me.tenant.name}
            </span>
            <span className="account-email" data-testid="user-email" title={`${who} (${me.role})`}>
              {who}
            </span>
          </span>
          <button
            type="button"
            className="button ghost small"
            onClick={() => logout.mutate()}
            disabled={logout.isPending}
          >
            Log out
          </button>
        </div>
      </div>
    </header>
  );
}

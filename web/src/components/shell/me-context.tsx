'use client';

import { createContext, useContext } from 'react';
import { roleRank, type Me, type Role } from '@crony/shared';

export const MeContext = createContext<Me | null>(null);

/** The signed-in identity; only inside the console shell, which renders nothing until it is known. */
export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('useMe() used outside <ConsoleShell>');
  return me;
}

/** Whether the signed-in identity has at least `role`. */
export function useHasRole(role: Role): boolean {
  return roleRank[useMe().role] >= roleRank[role];
}

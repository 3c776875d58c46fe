import type { ReactNode } from 'react';

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <main className="auth-page" id="main">
      <div className="auth-brand">
        <span className="brand-mark" aria-hidden="true" />
        Cloud Crony
      </div>
      {children}
    </main>
  );
}

import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="page page-center" id="main">
      <div className="empty-state card">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
        <Link href="/schedules" className="button">
          Go to schedules
        </Link>
      </div>
    </main>
  );
}

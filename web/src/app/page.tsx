import { redirect } from 'next/navigation';

/** The console starts at the overview; a visitor without a session is sent on to /login from there. */
export default function Home() {
  redirect('/overview');
}

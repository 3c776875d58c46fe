import type { Metadata } from 'next';
import { WebhookSettings } from '../../../components/settings/webhook-settings.tsx';

export const metadata: Metadata = { title: 'Settings' };

export default function SettingsPage() {
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Settings</h1>
        </div>
      </div>
      <WebhookSettings />
    </>
  );
}

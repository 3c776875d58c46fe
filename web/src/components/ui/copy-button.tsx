'use client';

import { useState } from 'react';

/**
 * Copies `text`; when the clipboard is refused (insecure origin, permissions) it selects the
 * element `selectId` instead so the user can press Ctrl+C.
 */
export function CopyButton({ text, selectId, label = 'Copy' }: { text: string; selectId: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('failed');
      const el = document.getElementById(selectId);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
  }
  return (
    <>
      <button type="button" className="button" onClick={() => void copy()}>
        {copied === 'yes' ? 'Copied' : label}
      </button>
      {copied === 'failed' ? (
        <span className="muted small" role="status">
          Could not reach the clipboard; the text is selected, press Ctrl+C.
        </span>
      ) : null}
    </>
  );
}

'use client';

import { useState } from 'react';
import type { CommandTarget, HttpTarget, Target } from '@crony/shared';
import { formatDuration } from '../../lib/format.ts';
import { quoteArgv } from '../../lib/argv.ts';
import { LabelChips } from '../ui/label-chips.tsx';

/** The target's rows of a schedule's `<dl className="props">`, by kind of target. */
export function TargetProps({ target }: { target: Target }) {
  switch (target.type) {
    case 'http':
      return <HttpProps target={target} />;
    case 'command':
      return <CommandProps target={target} />;
  }
}

function HttpProps({ target: t }: { target: HttpTarget }) {
  const headerNames = Object.keys(t.headers);
  return (
    <>
      <dt>Target</dt>
      <dd>
        <code className="target" data-target-type="http">
          <span className="method">{t.method}</span> {t.url}
        </code>
      </dd>
      <dt>Timeout</dt>
      <dd>{formatDuration(t.timeout_ms)}</dd>
      {headerNames.length > 0 ? (
        <>
          <dt>Headers</dt>
          <dd className="mono small">{headerNames.join(', ')}</dd>
        </>
      ) : null}
      {t.body ? (
        <>
          <dt>Body</dt>
          <dd>
            <pre className="body-preview">{t.body}</pre>
          </dd>
        </>
      ) : null}
    </>
  );
}

function CommandProps({ target: t }: { target: CommandTarget }) {
  const [showEnv, setShowEnv] = useState(false);
  const env = Object.entries(t.env);
  const labels = Object.entries(t.labels);
  return (
    <>
      <dt>Target</dt>
      <dd>
        <span className="tag" data-target-type="command">
          command
        </span>{' '}
        <span className="muted small">on a worker, in a sandbox</span>
      </dd>
      <dt>Command</dt>
      <dd>
        {/* Shell-quoted for reading only: the worker runs the argv as is, without a shell. */}
        <pre className="body-preview argv" data-testid="command-argv" title={`${t.command.length} arguments (argv)`}>
          {quoteArgv(t.command)}
        </pre>
      </dd>
      <dt>Environment</dt>
      <dd data-testid="command-env">
        {env.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          <>
            <ul className="env-list">
              {env.map(([name, value]) => (
                <li key={name} className="mono small">
                  {name}
                  {showEnv ? (
                    <>
                      =<span className="env-value">{value}</span>
                    </>
                  ) : (
                    <span className="muted" aria-label="value hidden">
                      =••••
                    </span>
                  )}
                </li>
              ))}
            </ul>
            <button
              type="button"
              className="button ghost small"
              aria-pressed={showEnv}
              onClick={() => setShowEnv((v) => !v)}
            >
              {showEnv ? 'hide values' : 'show values'}
            </button>
          </>
        )}
      </dd>
      <dt>Worker labels</dt>
      <dd data-testid="command-labels">
        {labels.length === 0 ? <span className="muted">Any worker</span> : <LabelChips labels={t.labels} />}
      </dd>
      <dt>Network</dt>
      <dd data-testid="command-network">{t.network ? 'Yes, allowed' : 'No (sandboxed without network)'}</dd>
      <dt>Timeout</dt>
      <dd>{formatDuration(t.timeout_ms)}</dd>
    </>
  );
}

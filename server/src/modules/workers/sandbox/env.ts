import { type Resolved } from './limits.ts';

export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The declared environment plus PATH and HOME when the task did not declare them. Nothing is inherited. */
export function commandEnv(declared: Record<string, string>, home: string): Resolved<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) {
    if (!NAME.test(name)) return { ok: false, message: `environment variable name "${name}" is not valid` };
    if (typeof value !== 'string' || value.includes('\0')) {
      return { ok: false, message: `environment variable "${name}" must be a string without NUL bytes` };
    }
    env[name] = value;
  }
  env.PATH ??= SANDBOX_PATH;
  env.HOME ??= home;
  return { ok: true, value: env };
}

/**
 * A command target's argv as the console edits and shows it. The form takes one argument per
 * line (no quoting rules to learn, and what you type is exactly what the worker passes to
 * `execve`); the detail page shows it shell-quoted on one line, for reading and copying.
 */

/** Lines of a textarea to argv: one argument per line, blank lines skipped, nothing trimmed. */
export function linesToArgv(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line !== '');
}

export function argvToLines(argv: readonly string[]): string {
  return argv.join('\n');
}

const safeWord = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX-shell quoting of one argument: bare when safe, else single quotes. */
export function quoteArg(arg: string): string {
  if (safeWord.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

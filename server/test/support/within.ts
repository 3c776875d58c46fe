/**
 * `work`, or a failure once it has not answered in `seconds`: a hang fails the test instead of
 * stalling the run. `what` names the work in the failure.
 */
export async function withinSeconds<R>(seconds: number, work: Promise<R>, what = 'the work'): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s: ${what}`)), seconds * 1000);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

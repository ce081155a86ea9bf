// A failure guard for an event-driven wait on something the test cannot put on its own clock (a child process's
// timers, a socket's delivery): the wait ends on the event, and the deadline only decides when to stop waiting
// for one that is not coming and say what was missing. It is not a statement about speed (benchmarks measure that),
// so it is generous: far beyond what the event takes on a loaded machine.
export function byDeadline<T>(event: Promise<T>, ms: number, missing: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${missing()} (still waiting after ${ms} ms)`)), ms);
  });
  return Promise.race([event, giveUp]).finally(() => clearTimeout(timer));
}

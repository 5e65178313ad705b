import { randomUUID } from "node:crypto";
import azureFunctions from "@azure/functions";
import type { Timer } from "@azure/functions";
import type { TimerRegistration } from "../../shared/functions/registry.js";
import { nextOccurrence, parseNcrontab, type CronSchedule } from "./ncrontab.js";

/**
 * The local stand-in for the Functions host's timer triggers: each registered timer runs at the
 * occurrences of its NCRONTAB schedule (UTC), never on start-up, one run at a time (the next
 * occurrence is reckoned when a run ends, as the host does). A run that throws is logged and the
 * timer waits for its next occurrence; the host never stops for it. Unlike Azure, a failed run is
 * not retried by the function's retry policy.
 */

/** The clock the runner waits on: real time by default; tests pass one they advance by hand. */
export interface TimerClock {
  now(): Date;
  /** Calls `run` after `ms` milliseconds; `cancel` stops it. */
  after(ms: number, run: () => void): { cancel(): void };
}

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer wait is taken in parts. */
const MAX_WAIT_MS = 2 ** 31 - 1;

const realClock: TimerClock = {
  now: () => new Date(),
  after(ms, run) {
    const handle = setTimeout(run, Math.min(ms, MAX_WAIT_MS));
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};

export interface TimerRunner {
  /** Each timer and when it runs next. */
  schedule(): { name: string; schedule: string; next: Date }[];
  /** Stops scheduling; resolves once a run in progress has ended. */
  stop(): Promise<void>;
}

function parse(registration: TimerRegistration): CronSchedule {
  try {
    return parseNcrontab(registration.schedule);
  } catch (error) {
    throw new Error(`Timer function ${registration.name}: ${(error as Error).message}`);
  }
}

/** Runs every registered timer on its schedule. A schedule that does not parse throws here, at start, naming the function. */
export function runTimers(
  registrations: TimerRegistration[],
  log: (line: string) => void,
  clock: TimerClock = realClock,
): TimerRunner {
  let stopped = false;
  const running = new Set<Promise<void>>();
  const timers = registrations.map((registration) => {
    const schedule = parse(registration);
    const state = {
      registration,
      schedule,
      last: undefined as Date | undefined,
      next: nextOccurrence(schedule, clock.now()),
      wait: { cancel() {} },
    };
    const arm = () => {
      if (stopped) return;
      const ms = state.next.getTime() - clock.now().getTime();
      state.wait = clock.after(Math.max(0, ms), () => (clock.now() < state.next ? arm() : fire()));
    };
    const fire = () => {
      const now = clock.now();
      const due = state.next;
      const timer: Timer = {
        // Past due: the run starts after the schedule's following occurrence (one was missed).
        isPastDue: nextOccurrence(schedule, due) <= now,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: (state.last ?? due).toISOString(),
          next: nextOccurrence(schedule, now).toISOString(),
          lastUpdated: now.toISOString(),
        },
      };
      const context = new azureFunctions.InvocationContext({
        invocationId: randomUUID(),
        functionName: registration.name,
        logHandler: (level, ...args) =>
          level === "error" || level === "warning" || level === "information"
            ? log(`[${registration.name}] ${args.map(String).join(" ")}`)
            : undefined,
      });
      const run = (async () => {
        try {
          await registration.handler(timer, context);
        } catch (error) {
          log(
            `[${registration.name}] timer run failed: ${(error as Error)?.message ?? error} (next run at ${nextOccurrence(schedule, clock.now()).toISOString()})`,
          );
        }
      })();
      running.add(run);
      void run.then(() => {
        running.delete(run);
        state.last = due;
        state.next = nextOccurrence(schedule, clock.now());
        arm();
      });
    };
    arm();
    return state;
  });
  return {
    schedule: () => timers.map((t) => ({ name: t.registration.name, schedule: t.registration.schedule, next: t.next })),
    stop: async () => {
      stopped = true;
      for (const t of timers) t.wait.cancel();
      await Promise.allSettled([...running]);
    },
  };
}

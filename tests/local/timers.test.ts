import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Timer } from "@azure/functions";
import { runTimers, type TimerClock } from "../../local/host/timer-host.js";
import { startHost, type RunningHost } from "../../local/host/host.js";
import { createToken } from "../../shared/operations/tokens.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";

/** The local host's timer triggers (local/host/timer-host.ts), on a clock the test moves by hand: no real waiting. */

class ManualClock implements TimerClock {
  private waits: { at: number; run: () => void; cancelled: boolean }[] = [];
  constructor(private t: number) {}
  now = () => new Date(this.t);
  after(ms: number, run: () => void) {
    const wait = { at: this.t + ms, run, cancelled: false };
    this.waits.push(wait);
    return { cancel: () => void (wait.cancelled = true) };
  }
  /** Moves the clock to `iso`, runs what came due, and lets the runs finish. */
  async advanceTo(iso: string, settle: () => Promise<unknown> = flush) {
    this.t = new Date(iso).getTime();
    const due = this.waits.filter((w) => !w.cancelled && w.at <= this.t);
    this.waits = this.waits.filter((w) => !due.includes(w));
    for (const w of due) w.run();
    await settle();
  }
  pending = () => this.waits.filter((w) => !w.cancelled).map((w) => new Date(w.at).toISOString());
}
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("runTimers", () => {
  it("runs a timer at each occurrence of its schedule, not before", async () => {
    const clock = new ManualClock(Date.parse("2026-12-05T07:25:00Z"));
    const runs: Timer[] = [];
    const runner = runTimers(
      [{ name: "every-5", schedule: "0 */5 * * * *", handler: async (t) => void runs.push(t) }],
      () => {},
      clock,
    );
    expect(runner.schedule()).toEqual([
      { name: "every-5", schedule: "0 */5 * * * *", next: new Date("2026-12-05T07:30:00Z") },
    ]);
    await clock.advanceTo("2026-12-05T07:29:59Z");
    expect(runs).toHaveLength(0);
    await clock.advanceTo("2026-12-05T07:30:00Z");
    expect(runs).toEqual([
      {
        isPastDue: false,
        schedule: { adjustForDST: false },
        scheduleStatus: {
          last: "2026-12-05T07:30:00.000Z",
          next: "2026-12-05T07:35:00.000Z",
          lastUpdated: "2026-12-05T07:30:00.000Z",
        },
      },
    ]);
    expect(clock.pending()).toEqual(["2026-12-05T07:35:00.000Z"]);
    // Woken twelve minutes late: one run, marked past due, then the next occurrence after it.
    await clock.advanceTo("2026-12-05T07:47:00Z");
    expect(runs[1]).toMatchObject({
      isPastDue: true,
      scheduleStatus: { last: "2026-12-05T07:30:00.000Z", next: "2026-12-05T07:50:00.000Z" },
    });
    expect(runs).toHaveLength(2);
    await runner.stop();
    expect(clock.pending()).toEqual([]);
  });

  it("starts no second run while one is running: the next occurrence is reckoned when it ends", async () => {
    const clock = new ManualClock(Date.parse("2026-12-05T07:25:00Z"));
    let calls = 0;
    let release!: () => void;
    const handler = () => (calls++, new Promise<void>((resolve) => (release = resolve)));
    const runner = runTimers([{ name: "slow", schedule: "0 */5 * * * *", handler }], () => {}, clock);
    await clock.advanceTo("2026-12-05T07:30:00Z");
    expect(clock.pending()).toEqual([]);
    await clock.advanceTo("2026-12-05T07:41:00Z");
    expect(calls).toBe(1);
    release();
    await flush();
    expect(clock.pending()).toEqual(["2026-12-05T07:45:00.000Z"]);
    await runner.stop();
  });

  it("logs a run that throws and runs the timer again at its next occurrence", async () => {
    const clock = new ManualClock(Date.parse("2026-12-05T05:00:00Z"));
    const lines: string[] = [];
    let calls = 0;
    const handler = async () => {
      calls++;
      throw new Error("store unavailable");
    };
    const runner = runTimers([{ name: "daily", schedule: "0 0 6 * * *", handler }], (l) => lines.push(l), clock);
    await clock.advanceTo("2026-12-05T06:00:00Z");
    expect(lines).toEqual(["[daily] timer run failed: store unavailable (next run at 2026-12-06T06:00:00.000Z)"]);
    await clock.advanceTo("2026-12-06T06:00:00Z");
    expect(calls).toBe(2);
    await runner.stop();
  });

  it("refuses, at start, a timer whose schedule does not parse, naming the function", () => {
    expect(() => runTimers([{ name: "bad", schedule: "0 */5 * * *", handler: async () => {} }], () => {})).toThrow(
      'Timer function bad: The NCRONTAB schedule "0 */5 * * *" has 5 fields',
    );
  });
});

describe("the local host's timers", () => {
  const clock = new ManualClock(Date.parse("2026-12-05T05:59:00Z"));
  const lines: string[] = [];
  let host: RunningHost;
  beforeAll(async () => {
    host = await startHost({
      port: 0,
      storePort: 0,
      queuePort: 0,
      env: {},
      timers: true,
      timerClock: clock,
      routes: true,
      log: (l) => lines.push(l),
    });
  });
  afterAll(async () => {
    await host?.close();
  });

  it("lists every timer with its schedule and next run, and says how to turn them off", () => {
    const text = lines.join("\n");
    expect(text).toContain("timer 0 0 6 * * *: token-expiry-check (next 2026-12-05T06:00:00.000Z)");
    expect(text).toContain("timer 0 */5 * * * *: audit-outbox (next 2026-12-05T06:00:00.000Z)");
    expect(text).toContain("timer 0 */5 * * * *: jobs-sweep (next 2026-12-05T06:00:00.000Z)");
    expect(text).toContain("timer 0 * * * * *: events-sweep (next 2026-12-05T06:00:00.000Z)");
    expect(text).toContain("queue scim-jobs: jobs-step");
    expect(text).toContain("queue scim-events: events-dispatch");
    expect(text).toContain(
      "Timers:         audit-outbox, events-sweep, jobs-sweep, token-expiry-check on their schedules (LOCAL_TIMERS=0 turns them off)",
    );
  });

  it("runs the token expiry check at 06:00, which warns about a token expiring within 30 days", async () => {
    const tenantId = host.defaultTenant!.id;
    const now = new Date();
    await createToken(
      { tenantId, actor: ADMIN_CLI, now, services: host.services, baseUrl: "" },
      { name: "soon", expiresAt: new Date(now.getTime() + 5 * 86_400_000) },
    );
    expect(lines.some((l) => l.startsWith("[token-expiry-check]"))).toBe(false);
    await clock.advanceTo("2026-12-05T06:00:00Z", async () => {
      while (!lines.some((l) => l.startsWith("[token-expiry-check]"))) await flush();
    });
    expect(lines.find((l) => l.includes("SCIM token 'soon'"))).toMatch(
      /^\[token-expiry-check\] SCIM token 'soon' \(.+\) of tenant .+ expires at .+ \([45] days left\)/,
    );
  });
});

describe("the local host without LOCAL_TIMERS", () => {
  it("runs no timer and lists them as off", async () => {
    const clock = new ManualClock(Date.parse("2026-12-05T05:59:00Z"));
    const lines: string[] = [];
    const host = await startHost({
      port: 0,
      storePort: 0,
      queuePort: 0,
      env: {},
      timerClock: clock,
      routes: true,
      log: (l) => lines.push(l),
    });
    try {
      expect(clock.pending()).toEqual([]);
      expect(lines.join("\n")).toContain("timer 0 0 6 * * *: token-expiry-check (off; LOCAL_TIMERS=1 runs it)");
    } finally {
      await host.close();
    }
  });
});

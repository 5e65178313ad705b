import { describe, expect, it } from "vitest";
import { nextOccurrence, parseNcrontab } from "../../local/host/ncrontab.js";
import { TOKEN_EXPIRY_SCHEDULE } from "../../functions/token-expiry-check.js";
import { AUDIT_OUTBOX_SCHEDULE } from "../../functions/audit-outbox.js";
import { JOBS_SWEEP_SCHEDULE } from "../../functions/jobs-sweep.js";

/** The NCRONTAB evaluator the local host schedules timer functions with (local/host/ncrontab.ts). */

const next = (schedule: string, after: string) =>
  nextOccurrence(parseNcrontab(schedule), new Date(after)).toISOString();

describe("nextOccurrence", () => {
  it.each([
    // The token expiry check: every day at 06:00:00 UTC.
    [TOKEN_EXPIRY_SCHEDULE, "2026-12-05T05:59:59.999Z", "2026-12-05T06:00:00.000Z"],
    [TOKEN_EXPIRY_SCHEDULE, "2026-12-05T06:00:00.000Z", "2026-12-06T06:00:00.000Z"],
    [TOKEN_EXPIRY_SCHEDULE, "2026-12-31T07:00:00.000Z", "2027-01-01T06:00:00.000Z"],
    // The audit outbox and the jobs sweep: every five minutes, on the minute.
    [AUDIT_OUTBOX_SCHEDULE, "2026-12-05T07:25:00.000Z", "2026-12-05T07:30:00.000Z"],
    [AUDIT_OUTBOX_SCHEDULE, "2026-12-05T07:29:59.500Z", "2026-12-05T07:30:00.000Z"],
    [JOBS_SWEEP_SCHEDULE, "2026-12-05T23:58:12.000Z", "2026-12-06T00:00:00.000Z"],
    // Seconds, ranges, lists, steps and names.
    ["*/15 * * * * *", "2026-12-05T07:25:16.000Z", "2026-12-05T07:25:30.000Z"],
    ["0 30 9-17/4 * * *", "2026-12-05T13:30:00.000Z", "2026-12-05T17:30:00.000Z"],
    ["0 0 0 1,15 * *", "2026-12-02T00:00:00.000Z", "2026-12-15T00:00:00.000Z"],
    ["0 0 12 * * MON", "2026-12-05T00:00:00.000Z", "2026-12-07T12:00:00.000Z"],
    ["0 0 0 29 FEB *", "2026-03-01T00:00:00.000Z", "2028-02-29T00:00:00.000Z"],
    // A restricted day and day of week must both match (as NCrontab): the first Friday the 13th.
    ["0 0 0 13 * FRI", "2026-12-05T00:00:00.000Z", "2027-08-13T00:00:00.000Z"],
  ])("%s after %s is %s", (schedule, after, expected) => {
    expect(next(schedule, after)).toBe(expected);
  });

  it("throws when the schedule names no time (30 February)", () => {
    expect(() => next("0 0 0 30 2 *", "2026-12-05T00:00:00.000Z")).toThrow(
      'The NCRONTAB schedule "0 0 0 30 2 *" names no time',
    );
  });
});

describe("parseNcrontab", () => {
  it.each([
    [
      "0 */5 * * *",
      'The NCRONTAB schedule "0 */5 * * *" has 5 fields; it needs six: second minute hour day month day-of-week.',
    ],
    ["60 * * * * *", 'The NCRONTAB schedule "60 * * * * *" has a bad second field "60": 60 is outside 0-59.'],
    [
      "0 */0 * * * *",
      'The NCRONTAB schedule "0 */0 * * * *" has a bad minute field "*/0": step "0" is not a positive number.',
    ],
    [
      "0 0 5-1 * * *",
      'The NCRONTAB schedule "0 0 5-1 * * *" has a bad hour field "5-1": the range 5-1 runs backwards.',
    ],
    ["0 0 0 * XYZ *", 'The NCRONTAB schedule "0 0 0 * XYZ *" has a bad month field "XYZ": "XYZ" is not a number.'],
  ])("refuses %s", (schedule, message) => {
    expect(() => parseNcrontab(schedule)).toThrow(message);
  });
});

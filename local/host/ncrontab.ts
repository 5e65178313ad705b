/**
 * NCRONTAB, the schedule format of Azure Functions timer triggers: six fields, `second minute
 * hour day month day-of-week`. Each field is `*`, a value, a range `a-b`, a step (`*\/n`, `a-b/n`,
 * `a/n`) or a comma-separated list of these; months and days of the week also take their English
 * three-letter names (JAN, SUN). As in NCrontab, a restricted day and day of week must both
 * match. Times are UTC (the host's default without WEBSITE_TIME_ZONE).
 */

export interface CronSchedule {
  text: string;
  seconds: ReadonlySet<number>;
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  days: ReadonlySet<number>;
  months: ReadonlySet<number>;
  weekdays: ReadonlySet<number>;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface Field {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: Field[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day of week", min: 0, max: 6, names: WEEKDAYS },
];

function parseField(text: string, field: Field, schedule: string): Set<number> {
  const fail = (why: string): never => {
    throw new Error(`The NCRONTAB schedule "${schedule}" has a bad ${field.name} field "${text}": ${why}.`);
  };
  const value = (raw: string): number => {
    const named = field.names?.indexOf(raw.toUpperCase()) ?? -1;
    const n = named >= 0 ? named + field.min : /^\d+$/.test(raw) ? Number(raw) : fail(`"${raw}" is not a number`);
    return n < field.min || n > field.max ? fail(`${n} is outside ${field.min}-${field.max}`) : n;
  };
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const [range = "", stepText, extra] = part.split("/");
    if (extra !== undefined) fail("more than one '/'");
    const step =
      stepText === undefined
        ? 1
        : /^\d+$/.test(stepText) && Number(stepText) > 0
          ? Number(stepText)
          : fail(`step "${stepText}" is not a positive number`);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [field.min, field.max];
    else if (range.includes("-")) {
      const [a = "", b = ""] = range.split("-");
      [from, to] = [value(a), value(b)];
      if (from > to) fail(`the range ${range} runs backwards`);
    } else [from, to] = [value(range), stepText === undefined ? value(range) : field.max];
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses a six-field NCRONTAB expression; a bad one throws an Error that names the field and why. */
export function parseNcrontab(text: string): CronSchedule {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 6)
    throw new Error(
      `The NCRONTAB schedule "${text}" has ${parts.length} fields; it needs six: second minute hour day month day-of-week.`,
    );
  const [seconds, minutes, hours, days, months, weekdays] = parts.map((p, i) => parseField(p, FIELDS[i]!, text)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return { text, seconds, minutes, hours, days, months, weekdays };
}

/** The first time strictly after `after` (to the second, UTC) that the schedule names; throws if it names none within eight years (e.g. 30 February). */
export function nextOccurrence(schedule: CronSchedule, after: Date): Date {
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = t.getUTCFullYear() + 8;
  while (t.getUTCFullYear() <= limit) {
    if (!schedule.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0);
    } else if (!schedule.days.has(t.getUTCDate()) || !schedule.weekdays.has(t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0);
    } else if (!schedule.hours.has(t.getUTCHours())) t.setUTCHours(t.getUTCHours() + 1, 0, 0);
    else if (!schedule.minutes.has(t.getUTCMinutes())) t.setUTCMinutes(t.getUTCMinutes() + 1, 0);
    else if (!schedule.seconds.has(t.getUTCSeconds())) t.setUTCSeconds(t.getUTCSeconds() + 1);
    else return t;
  }
  throw new Error(
    `The NCRONTAB schedule "${schedule.text}" names no time in the eight years after ${after.toISOString()}.`,
  );
}

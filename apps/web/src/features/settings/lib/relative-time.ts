import { LOCALE } from "../../../lib/format.ts";

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["minute", 60_000],
  ["hour", 3_600_000],
  ["day", 86_400_000],
];

/**
 * When something last happened, as people say it: "never" (null), "just now" (under a minute),
 * "5 minutes ago", "3 hours ago", "12 days ago", then the date (over 30 days). A time ahead of `now`
 * (a clock a little off) reads "just now" too.
 */
export function relativeTime(ms: number | null, now: number, tz: string, locale = LOCALE): string {
  if (ms === null) return "never";
  const ago = now - ms;
  if (ago < 60_000) return "just now";
  if (ago >= 30 * 86_400_000) {
    return new Intl.DateTimeFormat(locale, { timeZone: tz, year: "numeric", month: "short", day: "numeric" }).format(ms);
  }
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: "always" });
  let unit: [Intl.RelativeTimeFormatUnit, number] = STEPS[0]!;
  for (const step of STEPS) if (ago >= step[1]) unit = step;
  return fmt.format(-Math.floor(ago / unit[1]), unit[0]);
}

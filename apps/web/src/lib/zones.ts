/** Zones every picker offers before the full IANA list is loaded. */
export const COMMON_ZONES = ["UTC", "America/Los_Angeles", "America/New_York", "Europe/London", "Europe/Paris", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"];

/**
 * The zone picker's options: the team's zones first (TALLY_TIME_ZONES, from system.status), then `list`
 * (the common zones, or every IANA zone once the picker is opened) without repeats; the current zone is
 * always there, first if nothing else lists it.
 */
export function zoneOptions(current: string, list: readonly string[], team: readonly string[]): string[] {
  const out = [...new Set([...team, ...list])];
  return out.includes(current) ? out : [current, ...out];
}

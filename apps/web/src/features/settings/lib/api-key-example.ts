/**
 * A command that proves a new key works: the runs export of the last 7 days, with the key as a Bearer
 * token (the same header works on /api/trpc). The input is URL-encoded JSON, as the dashboard sends it.
 */
export function curlExample(origin: string, secret: string, now: number): string {
  const day = 86_400_000;
  const to = new Date(Math.ceil(now / day) * day).toISOString();
  const from = new Date(Math.ceil(now / day) * day - 7 * day).toISOString();
  const input = encodeURIComponent(JSON.stringify({ from, to, timeZone: "UTC" }));
  return `curl -H "Authorization: Bearer ${secret}" "${origin}/api/export/runs.csv?input=${input}"`;
}

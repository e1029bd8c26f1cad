import type { TRPCRouterRecord } from "@trpc/server";
import { CAPABILITIES, type Capability, can } from "@tally/shared";
import { calendars } from "@tally/shared/db";
import { hasDemoData } from "../../demo/seed.ts";
import { procedure } from "../init.ts";

export const systemRouter = {
  /** Who is signed in (or whose API key this is), with what the role may do: the dashboard hides the rest. */
  me: procedure("read").query(({ ctx }) => ({
    ...ctx.principal,
    capabilities: (Object.keys(CAPABILITIES) as Capability[]).filter((c) => can(ctx.principal.role, c)),
  })),
  /**
   * What the dashboard labels: whether the demo history is in the database, and the zones the team reports
   * in (TALLY_TIME_ZONES: their day and week charts read local calendars), listed first in the zone picker.
   */
  status: procedure("read").query(async ({ ctx }) => ({
    demoData: await hasDemoData(ctx.db),
    teamZones: [...new Set((await calendars(ctx.db)).filter((c) => c.source === "config").map((c) => c.time_zone))],
  })),
} satisfies TRPCRouterRecord;

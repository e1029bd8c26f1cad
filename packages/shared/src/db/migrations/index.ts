import type { Migration, MigrationProvider } from "kysely";
import * as m0001 from "./0001-init.ts";
import * as m0002 from "./0002-score-bins.ts";
import * as m0003 from "./0003-coarser-projections.ts";
import * as m0004 from "./0004-quarter-and-4-week-projections.ts";
import * as m0005 from "./0005-local-calendars.ts";
import * as m0006 from "./0006-calendar-fill.ts";
import * as m0007 from "./0007-usage-units.ts";
import * as m0008 from "./0008-access-control.ts";
import * as m0009 from "./0009-judge-control.ts";
import * as m0010 from "./0010-price-history.ts";
import * as m0011 from "./0011-alerts.ts";
import * as m0012 from "./0012-human-review.ts";
import * as m0013 from "./0013-rollup-catalogue.ts";
import * as m0014 from "./0014-narrow-function-and-tag-cuboids.ts";
import * as m0015 from "./0015-judge-spend-by-run.ts";
import * as m0016 from "./0016-drop-6-hour-grain.ts";
import * as m0017 from "./0017-narrow-cuboids-without-hours.ts";
import * as m0018 from "./0018-function-and-tag-hours-again.ts";
import * as m0019 from "./0019-run-calendars.ts";
import * as m0020 from "./0020-function-and-tag-calendars.ts";
import * as m0021 from "./0021-judge-activity.ts";
import * as m0022 from "./0022-side-effect-claims.ts";
import * as m0023 from "./0023-usage-lines-by-customer.ts";
import * as m0024 from "./0024-usage-lines-by-time.ts";
import * as m0025 from "./0025-priced-runs.ts";
import * as m0026 from "./0026-model-priced-runs.ts";
import * as m0027 from "./0027-customer-budget-history.ts";

/** Static list, so no bundler or file layout can lose a migration. Append only; never edit a landed one. */
const migrations: Record<string, Migration> = {
  "0001-init": m0001,
  "0002-score-bins": m0002,
  "0003-coarser-projections": m0003,
  "0004-quarter-and-4-week-projections": m0004,
  "0005-local-calendars": m0005,
  "0006-calendar-fill": m0006,
  "0007-usage-units": m0007,
  "0008-access-control": m0008,
  "0009-judge-control": m0009,
  "0010-price-history": m0010,
  "0011-alerts": m0011,
  "0012-human-review": m0012,
  "0013-rollup-catalogue": m0013,
  "0014-narrow-function-and-tag-cuboids": m0014,
  "0015-judge-spend-by-run": m0015,
  "0016-drop-6-hour-grain": m0016,
  "0017-narrow-cuboids-without-hours": m0017,
  "0018-function-and-tag-hours-again": m0018,
  "0019-run-calendars": m0019,
  "0020-function-and-tag-calendars": m0020,
  "0021-judge-activity": m0021,
  "0022-side-effect-claims": m0022,
  "0023-usage-lines-by-customer": m0023,
  "0024-usage-lines-by-time": m0024,
  "0025-priced-runs": m0025,
  "0026-model-priced-runs": m0026,
  "0027-customer-budget-history": m0027,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

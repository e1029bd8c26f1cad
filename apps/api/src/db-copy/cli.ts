/**
 * npm run db:copy -- --from ./data/tally.db --to postgres://user:password@host:5432/tally
 *
 * Copies every table of one Tally database into another (SQLite → PostgreSQL, PostgreSQL → SQLite, or either
 * to its own kind), then verifies row counts and numeric sums table by table. Exit 0: copied and equal;
 * 1: copied but a table differs (or the copy failed); 2: nothing copied (usage, a missing file, a server
 * that does not answer, schema versions apart).
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { copyDatabase } from "./copy.ts";
import { CopyError, type Endpoint, openSource, openTarget } from "./open.ts";
import { formatVerification } from "./verify.ts";

const USAGE = `usage: npm run db:copy -- --from <sqlite file | postgres://…> --to <postgres://… | sqlite file> [--replace] [--migrate-source] [--batch <rows>]
  --from            the database to copy (it is only read)
  --to              the database to fill: migrated to this Tally's version first; a new SQLite file is created
  --replace         empty the target's tables first (default: keep them; rows the source has take its values)
  --migrate-source  migrate an older source to this Tally's version before copying (default: refuse)
  --batch <rows>    rows per page (default 1000)`;

const argsSchema = z.object({
  from: z.string({ message: "--from is required" }).min(1, { message: "--from is required" }),
  to: z.string({ message: "--to is required" }).min(1, { message: "--to is required" }),
  replace: z.boolean().default(false),
  "migrate-source": z.boolean().default(false),
  batch: z.coerce.number({ message: "--batch must be a whole number from 1 to 10000" }).int({ message: "--batch must be a whole number from 1 to 10000" }).min(1, { message: "--batch must be a whole number from 1 to 10000" }).max(10_000, { message: "--batch must be a whole number from 1 to 10000" }).default(1000),
});

async function main(argv: string[]): Promise<number> {
  let args: z.infer<typeof argsSchema>;
  try {
    const { values } = parseArgs({
      args: argv,
      options: { from: { type: "string" }, to: { type: "string" }, replace: { type: "boolean" }, "migrate-source": { type: "boolean" }, batch: { type: "string" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const parsed = argsSchema.safeParse(values);
    if (!parsed.success) throw new CopyError(parsed.error.issues.map((i) => i.message).join("\n"));
    args = parsed.data;
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n\n${USAGE}`);
    return 2;
  }
  if (args.from === args.to) {
    console.error("--from and --to name the same database");
    return 2;
  }
  let source: Endpoint | null = null;
  let target: Endpoint | null = null;
  try {
    source = await openSource(args.from, { migrateSource: args["migrate-source"] });
    target = await openTarget(args.to);
    console.log(`Copying ${source.label} → ${target.label}${args.replace ? " (replacing the target's rows)" : ""}`);
    const report = await copyDatabase(source, target, { replace: args.replace, batchRows: args.batch, log: (l) => console.log(l) });
    console.log(formatVerification(report.tables));
    if (!report.verified) {
      console.error("The target differs from the source in the tables above. If the target held rows of its own, run again with --replace.");
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof CopyError) {
      console.error(e.message);
      return 2;
    }
    console.error(`copy failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await source?.db.destroy();
    await target?.db.destroy();
  }
}

process.exitCode = await main(process.argv.slice(2));

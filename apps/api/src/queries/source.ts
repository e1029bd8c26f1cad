import { type AliasedRawBuilder, type RawBuilder, sql } from "kysely";
import { ONE_TAG_PER_AGGREGATE } from "@tally/shared";
import { type AggregateFilter, InputError, type Window } from "./common.ts";
import {
  type Allowed,
  CUBOIDS,
  type CuboidId,
  cuboidFor,
  type Db,
  type Dimension,
  FACTS,
  type Fact,
  GRAIN_MS,
  type Grain,
  grainStarts,
  grainTable,
  inSubquery,
  measureColumns,
  pieces,
  tableName,
  tagKeys,
} from "@tally/shared/db";
import { type BucketUnit, DAY_MS, HOUR_MS, segments } from "./chart-buckets.ts";
import { filledPercent } from "./dimensions.ts";

/**
 * Where an aggregate reads from: the rollup catalogue (@tally/shared/db catalogue.ts) names every table and
 * column; this module picks the cuboid a query needs and the grains of a window. The cuboid is the smallest
 * whose dimensions cover the query's filters and groups (`cuboidFor`): a model or a customer alone reads
 * the model / customer cuboid, both read model × customer, a function slug the function cuboid, a promoted
 * tag the tag cuboid (rows of one `tag_key`). A window reads whole 4-week blocks and UTC weeks in the
 * middle, then whole days, hours and quarters towards the edges, as one UNION ALL; a cuboid
 * without 15-minute rows (model, customer) reads its quarters from the base table, which holds both.
 * Zone series only use a grain whose buckets nest in the zone's buckets (hours for whole-hour offsets;
 * coarser grains but 4 weeks for offset 0); day and week series in other zones go through series.ts.
 *
 * Grouping (`opts.group`): "model", "customer_id", "function_slug", "tag_value" (with `opts.tagKey`, the
 * promoted key whose values group). Spend by function, say:
 *   rollupSource(db, "usage", f, w, { group: ["function_slug"] })          → rows with function_slug
 *   rollupSource(db, "usage", f, w, { group: ["tag_value"], tagKey: "plan" }) → rows with tag_value ('' = untagged)
 * then `group by function_slug` (`tag_value`). Call `checkTagFilter(db, f, tagKey)` first: only a promoted,
 * completely filled tag key is read (the 400s name `tags`).
 */
export type { Fact, Grain };
/** What a query may group on. */
export type Dim = "model" | "customer_id" | "function_slug" | "tag_value";

/** Every source row's dimension columns: '' where the cuboid does not keep the dimension. */
interface DimColumns {
  bucket: number;
  model: string;
  customer_id: string;
  function_slug: string;
  tag_value: string;
}
export interface RunsRow extends DimColumns {
  runs: number;
  scored_runs: number;
  /** Runs the judge was not called for: out of the sample, or past the day's judge budget (0009). */
  unsampled_runs: number;
  judge_skipped_runs: number;
  /** The judge's spend on these runs, keyed by the run's (judged) model: priced lines' sum and the call counts. */
  judge_cost_micros: number;
  judge_priced_calls: number;
  judge_unpriced_calls: number;
  /** Runs with a priced agent line, each once. */
  priced_runs: number;
}
export interface UsageRow extends DimColumns {
  kind: "agent" | "judge";
  calls: number;
  cost_micros: number;
  priced_calls: number;
  unpriced_calls: number;
  unpriced_tokens: number;
}
export interface ScoresRow extends DimColumns {
  name: string;
  n: number;
  sum_value: number;
  sum_sq_value: number;
}
export interface BinsRow extends DimColumns {
  name: string;
  bin: number;
  n: number;
}
/** The judge's spend on runs by judge model, keyed by the judged run (its model, customer, bucket). */
export interface JudgeRow extends DimColumns {
  judge_model: string;
  calls: number;
  cost_micros: number;
  priced_calls: number;
  unpriced_calls: number;
}
interface Rows {
  runs: RunsRow;
  usage: UsageRow;
  scores: ScoresRow;
  score_bins: BinsRow;
  judge: JudgeRow;
}

/** The dimension columns every source row carries, in order. */
export const OUT_DIMS = ["model", "customer_id", "function_slug", "tag_value"] as const;
/** A fact's own key columns (kind, name, bin) and measures, as the catalogue declares them. */
export const factKeys = (fact: Fact): string[] => FACTS[fact].keys.map(([name]) => name);
export { measureColumns };
/** The run rollups' measures (runs, scored, left unjudged, the judge's spend on them). */
export const RUN_MEASURES = measureColumns("runs");

export interface SourceOptions {
  /** Dimensions the query groups on (filters are added automatically). */
  group?: Dim[];
  /** With group "tag_value": the promoted tag key whose values group (a `tags` filter's own key otherwise). */
  tagKey?: string | undefined;
  /** Extra conditions on fact columns (kind, name, bin). */
  extra?: RawBuilder<unknown>[];
  /** A zone series: every row's bucket must sit inside one zone bucket. */
  series?: { timeZone: string; unit: BucketUnit };
}


export const FUNCTION_AND_TAG = "aggregates filter or split by a function or by a tag, not both; runs.list takes both";

/** The one tag key a read filters or groups on, or null. */
export function tagKeyOf(f: AggregateFilter, opts: Pick<SourceOptions, "group" | "tagKey"> = {}): string | null {
  const keys = Object.keys(f.tags ?? {});
  if (keys.length > 1) throw new InputError("tags", ONE_TAG_PER_AGGREGATE);
  const key = opts.tagKey ?? keys[0] ?? null;
  if (keys[0] !== undefined && keys[0] !== key) throw new InputError("tags", `${ONE_TAG_PER_AGGREGATE} (grouped by '${key}', filtered on '${keys[0]}')`);
  if (key === null && opts.group?.includes("tag_value")) throw new Error("grouping by tag_value needs a tagKey");
  return key;
}

/** What a read of `f` grouped by `opts.group` needs: its cuboid and (tag cuboid) the one tag key. */
export interface Plan {
  cuboid: CuboidId;
  tagKey: string | null;
}

export function planFor(f: AggregateFilter, opts: Pick<SourceOptions, "group" | "tagKey"> = {}): Plan {
  const group = opts.group ?? [];
  const tagKey = tagKeyOf(f, opts);
  const need = new Set<Dimension>();
  if (group.includes("model") || f.models?.length) need.add("model");
  if (group.includes("customer_id") || f.customerIds?.length) need.add("customer_id");
  if (group.includes("function_slug") || f.functionSlugs?.length) need.add("function_slug");
  if (tagKey !== null) need.add("tag_key").add("tag_value");
  // The catalogue keeps no cuboid with both a function and a tag (each would multiply the other's rows).
  if (need.has("function_slug") && tagKey !== null) throw new InputError(f.functionSlugs?.length ? "functionSlugs" : "tags", FUNCTION_AND_TAG);
  return { cuboid: cuboidFor(need), tagKey };
}

/**
 * A 400 (field `tags`, or `tagKey` for a split) unless the tag key `f` filters on (or `tagKey`, grouped on) is promoted and filled:
 * the tag cuboid holds a key's rows only once it is complete (`rollup_tag_keys`, TALLY_TAG_KEYS).
 */
export async function checkTagFilter(db: Db, f: AggregateFilter, tagKey?: string): Promise<void> {
  const key = tagKeyOf(f, { tagKey });
  if (key === null) return;
  const field = f.tags?.[key] !== undefined ? "tags" : "tagKey";
  const row = (await tagKeys(db)).find((k) => k.tag_key === key);
  if (!row) throw new InputError(field, `tag '${key}' is not a promoted tag (TALLY_TAG_KEYS)`);
  if (row.filled_to !== null) throw new InputError(field, `tag '${key}' is still being filled (${await filledPercentOf(db, row)}% done)`);
}

/** A pending key's progress as dimensions.list shows it (`filledPercent`). */
async function filledPercentOf(db: Db, row: { filled_to: number | null; added_at: number }): Promise<number> {
  const first = await db.selectFrom("runs").select((e) => e.fn.min<number>("occurred_at").as("t")).executeTakeFirst();
  return filledPercent(Number(row.filled_to), Number(first?.t ?? row.added_at), row.added_at);
}

/** The dimension columns of a `cuboid` table as source columns (`t.` prefixed with `alias`). */
export function dimColumns(cuboid: CuboidId, alias?: string): RawBuilder<unknown>[] {
  const kept = CUBOIDS[cuboid].dims as readonly string[];
  return OUT_DIMS.map((d) => (kept.includes(d) ? (alias ? sql`${sql.ref(`${alias}.${d}`)} as ${sql.ref(d)}` : sql.ref(d)) : sql`'' as ${sql.ref(d)}`));
}

/**
 * Whether a read of a cuboid keyed model first filters a customer but no model: then it names every model
 * the fact has (the model cuboid's 4-week rows, a superset of any window's), so it seeks each (bucket,
 * model, customer) instead of scanning every model × customer row of the window.
 */
function modelsForCustomer(f: AggregateFilter, plan: Plan): boolean {
  return !f.models?.length && (f.customerIds?.length ?? 0) > 0 && CUBOIDS[plan.cuboid].dims[0] === "model";
}

/** The filters of `f` as conditions on a `plan.cuboid` table of `fact` (which keeps every dimension they name). */
export function filterConds(db: Db, f: AggregateFilter, plan: Plan, fact: Fact): RawBuilder<unknown>[] {
  const conds: RawBuilder<unknown>[] = [];
  if (modelsForCustomer(f, plan)) conds.push(inSubquery(db, "model", sql`select km.model from ${sql.table(tableName(fact, "model", "4w"))} as km group by km.model`));
  if (plan.tagKey !== null) conds.push(sql`tag_key = ${plan.tagKey}`);
  if (f.tags && plan.tagKey !== null && f.tags[plan.tagKey] !== undefined) conds.push(sql`tag_value = ${f.tags[plan.tagKey]}`);
  if (f.functionSlugs?.length) conds.push(sql`function_slug in (${sql.join(f.functionSlugs)})`);
  if (f.models?.length) conds.push(sql`model in (${sql.join(f.models)})`);
  if (f.customerIds?.length) conds.push(sql`customer_id in (${sql.join(f.customerIds)})`);
  return conds;
}

/**
 * Whether the key right after `bucket` in the table of `plan.cuboid` at `grain` is filtered to a list (or,
 * tag cuboid, to its key): then reading bucket by bucket seeks each (bucket, key) pair instead of scanning
 * every key's rows in the range. Quarters of the model and customer cuboids are the base table's (model first).
 */
export function seeksKeys(f: AggregateFilter, plan: Plan, grain: Grain): boolean {
  const own = CUBOIDS[plan.cuboid].grains.includes(grain);
  const lead = own ? CUBOIDS[plan.cuboid].dims[0] : "model";
  if (lead === "tag_key" || (lead === "model" && modelsForCustomer(f, plan))) return true;
  const list = lead === "model" ? f.models : lead === "customer_id" ? f.customerIds : f.functionSlugs;
  return (list?.length ?? 0) > 0;
}

/** `f` narrowed to the `keys` of dimension `dim` (a page of customers, the top models); a tag's values cannot be listed: `f` as is. */
export function onlyKeys<F extends AggregateFilter>(f: F, dim: Dim, keys: string[]): F {
  if (dim === "model") return { ...f, models: keys };
  if (dim === "customer_id") return { ...f, customerIds: keys };
  if (dim === "function_slug") return { ...f, functionSlugs: keys };
  return f;
}

export function rollupSource<F extends Fact>(db: Db, fact: F, f: AggregateFilter, w: Window, opts: SourceOptions = {}): AliasedRawBuilder<Rows[F], "r"> {
  const plan = planFor(f, opts);
  const allow: Allowed = { "1h": true, "1d": true, "1w": true, "4w": true };
  if (opts.series) {
    const offsets = segments(opts.series.timeZone, w.from, w.to).map((s) => s.offset);
    const utc = offsets.every((o) => o % DAY_MS === 0);
    allow["1h"] &&= offsets.every((o) => o % HOUR_MS === 0);
    allow["1d"] &&= opts.series.unit !== "hour" && utc;
    allow["1w"] &&= opts.series.unit === "week" && utc;
    allow["4w"] = false; // a 4-week row spans several chart buckets
  }
  const parts = pieces(w.from, w.to, allow).map((p) => piece(db, fact, p, plan, f, opts.extra ?? []));
  if (parts.length === 0) parts.push(piece(db, fact, { grain: "15m", a: w.from, b: w.from }, plan, f, []));
  return sql<Rows[F]>`(${sql.join(parts, sql` union all `)})`.as("r");
}

function piece(db: Db, fact: Fact, p: { grain: Grain; a: number; b: number }, plan: Plan, f: AggregateFilter, extra: RawBuilder<unknown>[]): RawBuilder<unknown> {
  const n = Math.ceil((p.b - p.a) / GRAIN_MS[p.grain][0]);
  const range =
    seeksKeys(f, plan, p.grain) && n > 0 && n <= 500
      ? [sql`bucket in (${sql.join(grainStarts(p.grain, p.a, p.b))})`]
      : [sql`bucket >= ${p.a}`, sql`bucket < ${p.b}`];
  const conds = [...range, ...filterConds(db, f, plan, fact), ...extra];
  const cols = sql.join([sql.ref("bucket"), ...dimColumns(plan.cuboid), ...[...factKeys(fact), ...measureColumns(fact)].map((c) => sql.ref(c))]);
  return sql`select ${cols} from ${sql.table(grainTable(fact, plan.cuboid, p.grain))} where ${sql.join(conds, sql` and `)}`;
}

export { type Allowed, FINER, grainStarts, pieces } from "@tally/shared/db";

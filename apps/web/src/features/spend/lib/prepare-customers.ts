/** The Spend page's customers table: search, sort, paginate and budget use. Pure. */

export interface CustomerInput {
  customerId: string;
  name: string | null;
  spendMicros: number | null;
  runs: number;
  costPerRunMicros: number | null;
  unpricedCalls: number;
  budgetMicros: number | null;
}

export interface CustomerView extends CustomerInput {
  label: string;
  /** Month-to-date priced spend, when known. */
  monthSpendMicros: number | null;
  /** Month-to-date spend / monthly budget; null without a budget. */
  budgetUse: number | null;
}

export const CUSTOMER_SORTS = ["spend", "runs", "costPerRun", "budgetUse", "name"] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export interface TableState {
  q: string;
  sort: CustomerSort;
  dir: "asc" | "desc";
  page: number;
  pageSize: number;
}

export function parseTableState(p: URLSearchParams, pageSize = 20): TableState {
  const sort = (CUSTOMER_SORTS as readonly string[]).includes(p.get("sort") ?? "") ? (p.get("sort") as CustomerSort) : "spend";
  const dir = p.get("dir") === "asc" ? "asc" : p.get("dir") === "desc" ? "desc" : sort === "name" ? "asc" : "desc";
  const page = Math.max(1, Math.floor(Number(p.get("page")) || 1));
  return { q: (p.get("q") ?? "").slice(0, 100), sort, dir, page, pageSize };
}

export function customerName(id: string, name: string | null): string {
  if (id === "") return "unattributed";
  return name ?? id;
}

export interface PreparedTable {
  rows: CustomerView[];
  /** Rows after search, before paging. */
  matched: number;
  page: number;
  pages: number;
}

export function prepareCustomers(
  input: readonly CustomerInput[],
  /**
   * Month-to-date priced spend per customer (null = only unpriced usage), and whether the list holds every
   * customer with usage this month; null while loading. Unknown is never shown as $0.
   */
  monthSpend: { spend: ReadonlyMap<string, number | null>; complete: boolean } | null,
  s: TableState,
): PreparedTable {
  const q = s.q.trim().toLowerCase();
  const views: CustomerView[] = input.map((r) => {
    const listed = monthSpend?.spend.get(r.customerId);
    const month = monthSpend === null ? null : listed !== undefined ? listed : monthSpend.complete ? 0 : null;
    return {
      ...r,
      label: customerName(r.customerId, r.name),
      monthSpendMicros: month,
      budgetUse: r.budgetMicros && r.budgetMicros > 0 && month !== null ? month / r.budgetMicros : null,
    };
  });
  const matched = q ? views.filter((v) => v.label.toLowerCase().includes(q) || v.customerId.toLowerCase().includes(q)) : views;
  const value = (v: CustomerView): number | string | null =>
    s.sort === "spend" ? v.spendMicros
    : s.sort === "runs" ? v.runs
    : s.sort === "costPerRun" ? v.costPerRunMicros
    : s.sort === "budgetUse" ? v.budgetUse
    : v.label.toLowerCase();
  const sign = s.dir === "asc" ? 1 : -1;
  const sorted = [...matched].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x !== y) {
      if (x === null) return 1; // nulls last either way
      if (y === null) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return a.customerId.localeCompare(b.customerId);
  });
  const pages = Math.max(1, Math.ceil(sorted.length / s.pageSize));
  const page = Math.min(s.page, pages);
  return { rows: sorted.slice((page - 1) * s.pageSize, page * s.pageSize), matched: sorted.length, page, pages };
}

/** Sparkline points: null (no usage that day) stays a gap. */
export function sparklinePath(points: readonly (number | null)[], width: number, height: number): string {
  const max = Math.max(0, ...points.map((p) => p ?? 0));
  if (points.length === 0) return "";
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  let d = "";
  let pen = false;
  points.forEach((p, i) => {
    if (p === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (max > 0 ? height - (p / max) * (height - 2) - 1 : height - 1).toFixed(1);
    d += `${pen ? "L" : "M"}${x},${y}`;
    pen = true;
  });
  return d;
}

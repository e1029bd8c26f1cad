import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { functionForRunsOnly } from "../lib/api-input.ts";
import { PRESET_LABELS, PRESETS, type Filters, type TagFilter } from "../lib/filters.ts";
import { fromLocalInput, toLocalInput, customerLabel } from "../lib/format.ts";
import { useFilters } from "../lib/use-filters.ts";
import { useChanged } from "../lib/use-url-text.ts";
import { useTRPC } from "../lib/trpc.ts";
import { COMMON_ZONES, zoneOptions } from "../lib/zones.ts";
import { type FilterOptions, useFilterOptions } from "./use-filter-options.ts";

let allZones: string[] | undefined;

/** The full IANA list is long to build and render: it is loaded when the select is first opened. */
function zoneList(full: boolean): string[] {
  if (!full) return COMMON_ZONES;
  allZones ??= ["UTC", ...(typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : COMMON_ZONES).filter((z) => z !== "UTC")];
  return allZones;
}

/** Time range, time zone, model, customer, function and promoted tag: all in the URL. */
export function FilterBar() {
  const { filters, window, setFilters, pathname } = useFilters();
  const [opened, setOpened] = useState(false);
  const options = useFilterOptions(window, opened);
  const [custom, setCustom] = useState(false);
  const [allZonesShown, setAllZonesShown] = useState(false);
  const trpc = useTRPC();
  const teamZones = useQuery(trpc.system.status.queryOptions()).data?.teamZones ?? [];
  const showCustom = custom || filters.range === "custom";

  return (
    <div className="filterbar" role="search" aria-label="Filters" onFocus={() => setOpened(true)} onMouseDown={() => setOpened(true)}>
      <div className="segmented" role="group" aria-label="Time range">
        {PRESETS.map((p) => (
          <button
            key={p}
            type="button"
            aria-pressed={filters.range === p}
            onClick={() => {
              setCustom(false);
              setFilters({ range: p, from: null, to: null });
            }}
          >
            {PRESET_LABELS[p]}
          </button>
        ))}
        <button type="button" aria-pressed={showCustom} onClick={() => setCustom(true)}>
          Custom
        </button>
      </div>
      {showCustom ? <CustomRange filters={filters} window={window} onApply={setFilters} /> : null}
      <label>
        Time zone
        <select
          value={filters.tz}
          onChange={(e) => setFilters({ tz: e.target.value })}
          onFocus={() => setAllZonesShown(true)}
          onMouseDown={() => setAllZonesShown(true)}
          aria-label="Time zone"
        >
          {zoneOptions(filters.tz, zoneList(allZonesShown), teamZones).map((z) => (
            <option key={z} value={z}>
              {teamZones.includes(z) ? `${z} (team)` : z}
            </option>
          ))}
        </select>
      </label>
      <Select label="Model" value={filters.model} values={options.models.map((m) => [m, m || "unknown"])} onChange={(v) => setFilters({ model: v })} />
      <Select
        label="Customer"
        value={filters.customer}
        values={options.customers.map((c) => [c.id, customerLabel(c.id, c.name)])}
        onChange={(v) => setFilters({ customer: v })}
      />
      <Select label="Function" value={filters.fn} values={options.functions.map((f) => [f, f])} onChange={(v) => setFilters({ fn: v })} />
      <TagSelect tags={options.tags} value={filters.tag} onChange={(tag) => setFilters({ tag })} />
      {functionForRunsOnly(filters) && !pathname.startsWith("/runs") ? (
        <span className="small muted" role="note">
          Charts and totals filter by the tag; the function filter applies to Runs (no rollup keeps both).
        </span>
      ) : null}
      {filters.model !== null || filters.customer !== null || filters.fn || filters.tag ? (
        <button type="button" onClick={() => setFilters({ model: null, customer: null, fn: null, tag: null })}>
          Clear filters
        </button>
      ) : null}
    </div>
  );
}

function Select({ label, value, values, onChange }: {
  label: string;
  value: string | null;
  values: [string, string][];
  onChange: (v: string | null) => void;
}) {
  const list = value !== null && !values.some(([v]) => v === value) ? [[value, value] as [string, string], ...values] : values;
  return (
    <label>
      {label}
      <select aria-label={label} value={value ?? "\u0000all"} onChange={(e) => onChange(e.target.value === "\u0000all" ? null : e.target.value)}>
        <option value={"\u0000all"}>All</option>
        {list.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A promoted tag: its key first, then one of its values (the filter is set once a value is picked). */
function TagSelect({ tags, value, onChange }: { tags: FilterOptions["tags"]; value: TagFilter | null; onChange: (t: TagFilter | null) => void }) {
  const [picked, setPicked] = useState<string | null>(null);
  const key = value?.key ?? picked;
  const keys = tags.map((t) => t.key);
  const values = tags.find((t) => t.key === key)?.values ?? [];
  if (keys.length === 0 && value === null) return null;
  return (
    <>
      <Select
        label="Tag"
        value={key}
        values={keys.map((k) => [k, k])}
        onChange={(k) => {
          setPicked(k);
          if (value !== null) onChange(null);
        }}
      />
      {key !== null ? (
        <Select
          label="Tag value"
          value={value?.value ?? null}
          values={values.map((v) => [v, v || "untagged"])}
          onChange={(v) => onChange(v === null ? null : { key, value: v })}
        />
      ) : null}
    </>
  );
}

function CustomRange({ filters, window, onApply }: {
  filters: Filters;
  window: { from: number; to: number };
  onApply: (p: Partial<Filters>) => void;
}) {
  const [from, setFrom] = useState(toLocalInput(window.from, filters.tz));
  const [to, setTo] = useState(toLocalInput(window.to, filters.tz));
  // The range or zone changed elsewhere (a preset, back, another zone): the fields show it, without a
  // remount, so Apply keeps the focus where it was. A preset's window sliding by the minute changes nothing.
  const shown = filters.range === "custom" ? `${window.from}|${window.to}|${filters.tz}` : `preset|${filters.tz}`;
  if (useChanged(shown)) {
    setFrom(toLocalInput(window.from, filters.tz));
    setTo(toLocalInput(window.to, filters.tz));
  }
  const f = fromLocalInput(from, filters.tz);
  const t = fromLocalInput(to, filters.tz);
  // Each field's own problem, which it names (aria-describedby); together they say why Apply is disabled.
  const fromProblem = f === null ? "From: enter a complete date and time." : null;
  const toProblem = t === null ? "To: enter a complete date and time." : f !== null && f >= t ? "The range must end after it starts." : null;
  const valid = fromProblem === null && toProblem === null;
  /** A bound of the range, naming its own problem when it has one. */
  const dateInput = (label: string, value: string, set: (v: string) => void, problem: string | null, problemId: string) => (
    <input
      type="datetime-local"
      aria-label={label}
      value={value}
      onChange={(e) => set(e.target.value)}
      aria-invalid={problem ? true : undefined}
      aria-describedby={problem ? problemId : undefined}
    />
  );
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (f !== null && t !== null && valid) onApply({ range: "custom", from: f, to: t });
      }}
    >
      {dateInput("From", from, setFrom, fromProblem, "custom-range-from-problem")}
      <span className="muted">to</span>
      {dateInput("To", to, setTo, toProblem, "custom-range-to-problem")}
      <button type="submit" disabled={!valid} aria-describedby="custom-range-problem">
        Apply
      </button>
      <span id="custom-range-problem" className="small muted" role="status">
        {fromProblem ? <span id="custom-range-from-problem">{fromProblem}</span> : null}
        {fromProblem && toProblem ? " " : null}
        {toProblem ? <span id="custom-range-to-problem">{toProblem}</span> : null}
      </span>
    </form>
  );
}

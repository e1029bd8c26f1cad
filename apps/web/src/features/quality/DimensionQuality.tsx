import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { Card } from "../../components/Card.tsx";
import { openRowProps } from "../../components/row-keys.ts";
import { SplitSelect } from "../../components/SplitSelect.tsx";
import { EmptyState, QueryView, Skeleton } from "../../components/States.tsx";
import type { AggregateInput } from "../../lib/api-input.ts";
import { hrefWith } from "../../lib/filters.ts";
import { num } from "../../lib/format.ts";
import { drillFilters, groupQuality, meanWithCi, type Split, splitInput, valueLabel } from "../../lib/prepare-dimensions.ts";
import { navigate } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { useFilters } from "../../lib/use-filters.ts";

/** Mean score with its 95% interval and n per function slug or promoted tag value, for the page's score name. */
export function DimensionQuality({ input, name, split, available }: { input: AggregateInput; name: string; split: Split; available: Split[] }) {
  const trpc = useTRPC();
  const { filters } = useFilters();
  const q = useQuery({ ...trpc.quality.byDimension.queryOptions({ ...input, ...splitInput(split), name: name || "-" }), enabled: name !== "" });
  const groups = useMemo(() => (q.data ? groupQuality(q.data.rows) : []), [q.data]);
  const heading = split.dimension === "function" ? "Function" : `Tag ${split.tagKey}`;
  if (name === "") return null; // nothing scored in the range: the trend card says so
  return (
    <Card title={`${name} ${split.dimension === "function" ? "by function" : `by tag: ${split.tagKey}`}`} subtitle="Mean score with its 95% interval and the number of scores" actions={<SplitSelect split={split} available={available} />}>
      <QueryView query={q} loading={<Skeleton height={160} />} isEmpty={() => groups.length === 0} empty={<EmptyState title="No scores in this range." />}>
        {() => (
          <table aria-label={`Quality ${split.dimension === "function" ? "by function" : `by tag ${split.tagKey}`}`} data-table="quality-by-dimension">
            <thead>
              <tr>
                <th>{heading}</th>
                <th className="num">Mean (95% CI)</th>
                <th className="num">n</th>
                <th className="num">Runs</th>
              </tr>
            </thead>
            <tbody>
              {groups.flatMap((g) =>
                g.rows.map((r) => (
                  <tr key={`${g.name}\u0000${r.value}`} className="clickable" data-value={r.value} {...openRowProps(() => navigate(hrefWith("/runs", drillFilters(filters, split, r.value), { score: g.name })))}>
                    <td>{valueLabel(split, r.value)}</td>
                    <td className="num">{meanWithCi(r)}</td>
                    <td className="num">{num(r.n)}</td>
                    <td className="num">{num(r.runs)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        )}
      </QueryView>
    </Card>
  );
}

import { Fragment } from "react";
import type { Coverage } from "./lib/judge-spend.ts";

/**
 * The runs a statistic rests on, small under it: "59 of 74 runs · 93% sampled · 4 skipped by budget" (a
 * narrow cell wraps between the parts, never inside one), the full sentence as its title.
 */
export function CoverageNote({ coverage: c }: { coverage: Coverage }) {
  return (
    <span className="coverage" title={c.text} data-coverage={`${c.scored}/${c.of}`}>
      {c.parts.map((p, i) => (
        <Fragment key={p}>
          {i > 0 ? " · " : null}
          <span className="nowrap">{p}</span>
        </Fragment>
      ))}
    </span>
  );
}

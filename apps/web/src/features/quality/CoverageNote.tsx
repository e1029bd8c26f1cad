import type { Coverage } from "./lib/judge-spend.ts";

/** The runs a statistic rests on, small under it ("59 of 74 runs · 93% sampled · 4 skipped by budget"), the sentence as its title. */
export function CoverageNote({ coverage: c }: { coverage: Coverage }) {
  return (
    <span className="coverage" title={c.text}>
      {c.parts.join(" · ")}
    </span>
  );
}

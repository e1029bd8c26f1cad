import { pricedMoney } from "../lib/format.ts";

/** A money cell: the priced figure, and the unpriced calls beside it (`pricedMoney`). */
export function Money({ micros, unpricedCalls }: { micros: number | null | undefined; unpricedCalls: number }) {
  const m = pricedMoney(micros, unpricedCalls);
  return (
    <>
      {m.text}
      {m.note ? (
        <div className="small muted" data-unpriced={unpricedCalls}>
          {m.note}
        </div>
      ) : null}
    </>
  );
}

import { LOCALE, pricedMoney } from "../lib/format.ts";

/** A money cell: the priced figure (in its column's precision when given `format`, see `moneyColumn`), and the unpriced calls beside it (`pricedMoney`). */
export function Money({ micros, unpricedCalls, format }: { micros: number | null | undefined; unpricedCalls: number; format?: (micros: number) => string }) {
  const m = pricedMoney(micros, unpricedCalls, LOCALE, format);
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

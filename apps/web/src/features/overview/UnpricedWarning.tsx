import { useQuery } from "@tanstack/react-query";
import { Link } from "../../components/Link.tsx";
import type { AggregateInput } from "../../lib/api-input.ts";
import { num } from "../../lib/format.ts";
import { can, useMe } from "../../lib/session.ts";
import { useLocation } from "../../lib/router.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { pricingHref } from "../settings/lib/reprice.ts";
import { unpricedModels } from "./lib/unpriced-models.ts";

/**
 * The unpriced usage in the Overview's window, by model, each model a link straight to pricing it (Settings'
 * add-override form, prefilled), from where its recorded history can be repriced. Shown only when some usage is
 * unpriced; people who cannot edit prices are told who can.
 */
export function UnpricedWarning({ input, unpricedCalls }: { input: AggregateInput; unpricedCalls: number }) {
  const trpc = useTRPC();
  const { search } = useLocation();
  // The role decides what the warning offers: it waits for it, so a finance user is never told to ask one.
  const me = useMe();
  const canEdit = can(me, "editMoney");
  // The Spend page's own question (same input), so the two pages share one answer.
  const byModel = useQuery({ ...trpc.spend.byModel.queryOptions({ ...input, limit: 200, sparklines: false }), enabled: unpricedCalls > 0 });
  if (unpricedCalls === 0 || !byModel.data || !me) return null;
  const models = unpricedModels(byModel.data);
  if (models.length === 0) return null;
  return (
    <div className="warning-box" role="status" aria-label="Unpriced usage" data-unpriced-models={models.map((m) => m.model).join(",")}>
      <strong>{num(unpricedCalls)} calls have no price and are not in Spend.</strong>{" "}
      {canEdit ? "Price the model, then reprice its history:" : "An admin or finance user can price these models:"}
      <ul className="row" style={{ listStyle: "none", padding: 0, margin: "8px 0 0" }}>
        {models.map((m) => (
          <li key={m.model} data-model={m.model}>
            {canEdit ? <Link href={pricingHref(m.model, search)}>Price {m.model}</Link> : <span className="mono">{m.model}</span>}{" "}
            <span className="small muted">({num(m.calls)} calls)</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

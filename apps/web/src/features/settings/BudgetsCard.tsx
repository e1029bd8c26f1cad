import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Card } from "../../components/Card.tsx";
import { EmptyState, MutationError, QueryView, Skeleton } from "../../components/States.tsx";
import { money } from "../../lib/format.ts";
import { useCan } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { MAX_BUDGET_MICROS } from "@tally/shared";
import { customerFormProblem } from "./lib/customer-form.ts";
import { microsToUsdInput, parseUsdToMicros } from "./lib/money-input.ts";
import { FocusKeepingButton } from "../../components/FocusKeepingButton.tsx";
import { ScrollRegion } from "../../components/ScrollRegion.tsx";

interface Customer {
  id: string;
  name: string;
  monthlyBudgetMicros: number | null;
}

export function BudgetsCard() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  // Viewers and reviewers read budgets; finance and admin edit them (the server refuses anyone else).
  const canEdit = useCan("editMoney");
  const customers = useQuery(trpc.customers.list.queryOptions());
  const upsert = useMutation(
    trpc.customers.upsert.mutationOptions({
      onSuccess: () =>
        Promise.all([
          qc.invalidateQueries({ queryKey: trpc.customers.pathKey() }),
          qc.invalidateQueries({ queryKey: trpc.spend.pathKey() }),
        ]),
    }),
  );
  const save = (c: Customer) => upsert.mutateAsync(c);

  return (
    <Card title="Customers and budgets" subtitle="Monthly budgets in USD, dated from each change; Spend measures each period against them, month by month">
      <QueryView
        query={customers}
        loading={<Skeleton height={160} />}
        isEmpty={(d) => d.length === 0}
        empty={<EmptyState title="No customers yet.">Add one below, or pass customerId in defer("track-costs", …).</EmptyState>}
      >
        {(d) => (
          <ScrollRegion label="Customer budgets" hasControls={canEdit}>
            <table aria-label="Customer budgets">
              <thead>
                <tr>
                  <th>Id</th>
                  <th>Name</th>
                  <th>Monthly budget (USD)</th>
                  {canEdit ? (
                    <th>
                      <span className="sr-only">Save</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {d.map((c) =>
                  canEdit ? (
                    <CustomerRow key={c.id} customer={c} onSave={save} />
                  ) : (
                    <tr key={c.id} data-customer={c.id}>
                      <td className="mono">{c.id}</td>
                      <td>{c.name}</td>
                      <td>{c.monthlyBudgetMicros === null ? <span className="muted">no budget</span> : money(c.monthlyBudgetMicros)}</td>
                    </tr>
                  ),
                )}
              </tbody>
            </table>
          </ScrollRegion>
        )}
      </QueryView>
      {canEdit ? (
        <>
          <h3 style={{ marginTop: 16 }}>Add a customer</h3>
          <CustomerForm onSave={save} existingIds={new Set((customers.data ?? []).map((c) => c.id))} />
        </>
      ) : null}
      <MutationError error={upsert.error} />
    </Card>
  );
}

function CustomerRow({ customer, onSave }: { customer: Customer; onSave: (c: Customer) => Promise<unknown> }) {
  const [name, setName] = useState(customer.name);
  const [budget, setBudget] = useState(microsToUsdInput(customer.monthlyBudgetMicros));
  const [state, setState] = useState<"idle" | "saving" | "saved">("idle");
  // The inputs follow the customer as the list refetches (another user's change, or this row's own save):
  // a stale value left in an input would be written back by the next Save.
  const [shown, setShown] = useState(customer);
  if (shown.name !== customer.name || shown.monthlyBudgetMicros !== customer.monthlyBudgetMicros) {
    setShown(customer);
    setName(customer.name);
    setBudget(microsToUsdInput(customer.monthlyBudgetMicros));
  }
  const micros = parseUsdToMicros(budget);
  const dirty = name !== customer.name || micros !== customer.monthlyBudgetMicros;
  const tooHigh = typeof micros === "number" && micros > MAX_BUDGET_MICROS;
  const valid = micros !== undefined && micros !== 0 && !tooHigh && name.trim() !== "";
  const hintId = useId();
  return (
    <tr data-customer={customer.id}>
      <td className="mono">{customer.id}</td>
      <td>
        <input aria-label={`Name of ${customer.id}`} value={name} onChange={(e) => setName(e.target.value)} />
      </td>
      <td>
        <input
          aria-label={`Monthly budget of ${customer.id}`}
          inputMode="decimal"
          placeholder="no budget"
          value={budget}
          onChange={(e) => setBudget(e.target.value)}
          aria-invalid={micros === undefined || micros === 0 || tooHigh}
          aria-describedby={hintId}
          style={{ width: 130 }}
        />{" "}
        <span id={hintId} className="small muted">
          {micros === undefined ? "enter an amount like 250 or 99.50" : micros === 0 ? "above $0, or empty for no budget" : micros === null ? "no budget" : tooHigh ? "at most $100,000,000 a month" : money(micros)}
        </span>
      </td>
      <td>
        <FocusKeepingButton
          type="button"
          unavailable={!dirty || !valid || state === "saving"}
          aria-describedby={hintId}
          onClick={() => {
            if (micros === undefined) return;
            setState("saving");
            onSave({ id: customer.id, name: name.trim(), monthlyBudgetMicros: micros }).then(
              () => setState("saved"),
              () => setState("idle"),
            );
          }}
        >
          {state === "saving" ? "Saving…" : "Save"}
        </FocusKeepingButton>
        {state === "saved" && !dirty ? <span className="small muted"> saved</span> : null}
      </td>
    </tr>
  );
}

function CustomerForm({ onSave, existingIds }: { onSave: (c: Customer) => Promise<unknown>; existingIds: ReadonlySet<string> }) {
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [budget, setBudget] = useState("");
  const micros = parseUsdToMicros(budget);
  const problem = customerFormProblem({ id, name, budget }, existingIds);
  const valid = problem === null && micros !== undefined;
  return (
    <form
      className="inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (!valid || micros === undefined) return;
        void onSave({ id: id.trim(), name: name.trim(), monthlyBudgetMicros: micros }).then(() => {
          setId("");
          setName("");
          setBudget("");
        });
      }}
    >
      <label>
        Id (as sent in customerId)
        <input value={id} onChange={(e) => setId(e.target.value)} required />
      </label>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required />
      </label>
      <label>
        Monthly budget (USD, optional)
        <input value={budget} inputMode="decimal" onChange={(e) => setBudget(e.target.value)} aria-invalid={micros === undefined || micros === 0} />
      </label>
      <button type="submit" className="primary" disabled={!valid} aria-describedby="add-customer-problem">
        Add customer
      </button>
      {/* Why the button is disabled, read out with it (and announced as it changes). */}
      <p id="add-customer-problem" className="small muted" role="status" style={{ flexBasis: "100%", margin: 0 }}>
        {problem}
      </p>
    </form>
  );
}

import { useFilters } from "../../lib/use-filters.ts";
import { BudgetsCard } from "./BudgetsCard.tsx";
import { PricesCard } from "./PricesCard.tsx";

export default function SettingsPage() {
  const { filters } = useFilters();
  return (
    <div className="stack">
      <h1>Settings</h1>
      <BudgetsCard />
      <PricesCard tz={filters.tz} />
    </div>
  );
}

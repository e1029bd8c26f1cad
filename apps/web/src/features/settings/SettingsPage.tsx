import { Link } from "../../components/Link.tsx";
import { filterQuery } from "../../lib/filters.ts";
import { useLocation } from "../../lib/router.ts";
import { useCan } from "../../lib/session.ts";
import { useFilters } from "../../lib/use-filters.ts";
import { AlertsSection } from "./AlertsSection.tsx";
import { ApiKeysSection } from "./ApiKeysSection.tsx";
import { AuditSection } from "./AuditSection.tsx";
import { BudgetsCard } from "./BudgetsCard.tsx";
import { JudgeCard } from "./JudgeCard.tsx";
import { PricesCard } from "./PricesCard.tsx";
import { ReviewSamplingSection } from "./ReviewSamplingSection.tsx";
import { UsersSection } from "./UsersSection.tsx";
import "./settings.css";

/** `/settings?section=…`: budgets and prices, alerts and review sampling for everyone; users, API keys and the audit log for admins only. */
const SECTIONS = [
  { id: "general", label: "Budgets and prices", admin: false },
  { id: "alerts", label: "Alerts", admin: false },
  { id: "review", label: "Review sampling", admin: false },
  { id: "users", label: "Users", admin: true },
  { id: "api-keys", label: "API keys", admin: true },
  { id: "audit", label: "Audit log", admin: true },
] as const;
type SectionId = (typeof SECTIONS)[number]["id"];

export default function SettingsPage() {
  const { filters, params } = useFilters();
  const isAdmin = useCan("admin");
  const visible = SECTIONS.filter((s) => isAdmin || !s.admin);
  const section: SectionId = visible.find((s) => s.id === params.get("section"))?.id ?? "general";
  const keep = new URLSearchParams(filterQuery(useLocation().search));
  const href = (id: SectionId) => {
    const q = new URLSearchParams(keep);
    if (id !== "general") q.set("section", id);
    const qs = q.toString();
    return qs ? `/settings?${qs}` : "/settings";
  };
  const tz = filters.tz;
  return (
    <div className="stack">
      <h1>Settings</h1>
      {visible.length > 1 ? (
        <nav className="section-tabs" aria-label="Settings sections">
          {visible.map((s) => (
            <Link key={s.id} href={href(s.id)} aria-current={s.id === section ? "page" : undefined}>
              {s.label}
            </Link>
          ))}
        </nav>
      ) : null}
      {section === "alerts" ? <AlertsSection /> : null}
      {section === "review" ? <ReviewSamplingSection tz={tz} /> : null}
      {section === "users" ? <UsersSection tz={tz} /> : null}
      {section === "api-keys" ? <ApiKeysSection tz={tz} /> : null}
      {section === "audit" ? <AuditSection tz={tz} /> : null}
      {section === "general" ? (
        <>
          <BudgetsCard />
          <PricesCard tz={tz} />
          <JudgeCard tz={tz} />
        </>
      ) : null}
    </div>
  );
}

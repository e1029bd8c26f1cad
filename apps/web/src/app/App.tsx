import { QueryClientProvider } from "@tanstack/react-query";
import type { QueryClient } from "@tanstack/react-query";
import { Suspense, useRef, useState } from "react";
import { Link } from "../components/Link.tsx";
import { Skeleton } from "../components/States.tsx";
import { filterQuery } from "../lib/filters.ts";
import { retryableLazy } from "../lib/lazy.ts";
import { matchPath, useLocation } from "../lib/router.ts";
import { type TrpcClient, TRPCProvider } from "../lib/trpc.ts";
import { DemoBanner } from "./DemoBanner.tsx";
import { FilterBar } from "./FilterBar.tsx";
import { OfflineBanner } from "./OfflineBanner.tsx";
import { PageBoundary } from "./PageBoundary.tsx";
import { pageTitle, usePageChange, useStickyBarPadding } from "./page-change.ts";
import { OverviewPage } from "../features/overview/OverviewPage.tsx";
import { UserMenu } from "../features/auth/UserMenu.tsx";

const QualityPage = retryableLazy(() => import("../features/quality/QualityPage.tsx"));
const SpendPage = retryableLazy(() => import("../features/spend/SpendPage.tsx"));
const RunsPage = retryableLazy(() => import("../features/runs/RunsPage.tsx"));
const RunDetailPage = retryableLazy(() => import("../features/run-detail/RunDetailPage.tsx"));
const AlertsPage = retryableLazy(() => import("../features/alerts/AlertsPage.tsx"));
const ReviewPage = retryableLazy(() => import("../features/review/ReviewPage.tsx"));
const SettingsPage = retryableLazy(() => import("../features/settings/SettingsPage.tsx"));
const StatementPage = retryableLazy(() => import("../features/statement/StatementPage.tsx"));
const SignInPage = retryableLazy(() => import("../features/auth/SignInPage.tsx"));
const SetupPage = retryableLazy(() => import("../features/auth/SetupPage.tsx"));

/** Pages a signed-out visitor uses: rendered without the app shell and without any data query. */
const OPEN_PAGES: Record<string, typeof SignInPage> = { "/sign-in": SignInPage, "/setup": SetupPage };

const NAV = [
  { path: "/", label: "Overview" },
  { path: "/quality", label: "Quality" },
  { path: "/spend", label: "Spend" },
  { path: "/runs", label: "Runs" },
  { path: "/review", label: "Review" },
  { path: "/alerts", label: "Alerts" },
  { path: "/settings", label: "Settings" },
] as const;

export function App({ queryClient, trpcClient }: { queryClient: QueryClient; trpcClient: TrpcClient }) {
  const { pathname } = useLocation();
  const Open = OPEN_PAGES[pathname];
  if (Open) {
    return (
      <PageBoundary resetKey={pathname}>
        <Suspense fallback={null}>
          <Open />
        </Suspense>
      </PageBoundary>
    );
  }
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <Shell />
      </TRPCProvider>
    </QueryClientProvider>
  );
}

/** The header, navigation and banners stay whatever a page does: each page renders inside its own error boundary. */
function Shell() {
  const { pathname, search } = useLocation();
  // A click on a nav link, even the current page's, gives a page that failed another try.
  const [navClicks, setNavClicks] = useState(0);
  // Below 720 px the nav folds behind a menu button (responsive.css).
  const [menuOpen, setMenuOpen] = useState(false);
  const keep = filterQuery(search);
  // The page's own nav entry (a run's detail is under Runs); none for a path with no page (404).
  const section = NAV.find((n) => pathname === n.path || (n.path !== "/" && pathname.startsWith(`${n.path}/`)));
  const hasBar = pathname !== "/settings" && pathname !== "/statement";
  const main = useRef<HTMLElement>(null);
  const announcer = useRef<HTMLParagraphElement>(null);
  usePageChange(pageTitle(pathname, section?.label), main, announcer);
  useStickyBarPadding(hasBar);
  return (
    <>
      <button type="button" className="skip-link" onClick={() => main.current?.focus()}>
        Skip to the page
      </button>
      <p className="sr-only" role="status" ref={announcer} />
      <header className="topbar">
        <Link className="brand" href={`/${keep}`}>
          Tally
        </Link>
        <button type="button" className="nav-toggle" aria-expanded={menuOpen} aria-controls="pages-nav" onClick={() => setMenuOpen((o) => !o)}>
          Menu
        </button>
        <nav id="pages-nav" className={menuOpen ? "nav open" : "nav"} aria-label="Pages">
          {NAV.map((n) => (
            <Link key={n.path} href={`${n.path}${keep}`} aria-current={section?.path === n.path ? "page" : undefined} onClick={() => { setNavClicks((c) => c + 1); setMenuOpen(false); }}>
              {n.label}
            </Link>
          ))}
        </nav>
        <UserMenu />
      </header>
      <OfflineBanner />
      <DemoBanner />
      {hasBar ? <FilterBar /> : null}
      <main id="main" ref={main} tabIndex={-1}>
        <PageBoundary resetKey={`${pathname}#${navClicks}`}>
          <Suspense fallback={<Skeleton height={300} label="loading page" />}>
            <Route pathname={pathname} />
          </Suspense>
        </PageBoundary>
      </main>
    </>
  );
}

function Route({ pathname }: { pathname: string }) {
  if (pathname === "/") return <OverviewPage />;
  if (pathname === "/quality") return <QualityPage />;
  if (pathname === "/spend") return <SpendPage />;
  if (pathname === "/runs") return <RunsPage />;
  if (pathname === "/review") return <ReviewPage />;
  if (pathname === "/alerts") return <AlertsPage />;
  if (pathname === "/settings") return <SettingsPage />;
  if (pathname === "/statement") return <StatementPage />;
  const run = matchPath("/runs/:id", pathname);
  if (run?.id) return <RunDetailPage runId={run.id} />;
  return (
    <div className="state state-empty">
      <h1>No page at {pathname}.</h1>
      <Link href="/">Go to the overview</Link>
    </div>
  );
}

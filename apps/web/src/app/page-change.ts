import { useEffect, useRef } from "react";
import { matchPath } from "../lib/router.ts";

/** The document title of a path: the page's name, then the product's. */
export function pageTitle(pathname: string, section: string | undefined): string {
  const run = matchPath("/runs/:id", pathname);
  if (run?.id) return `Run ${run.id} · Tally`;
  if (pathname === "/statement") return "Statement · Tally";
  return `${section ?? "Page not found"} · Tally`;
}

/**
 * On each change of page (each path has its own title; not on a change of the query string, nor on the first
 * load): the document takes the page's title, the page's `<main>` takes the focus (the next Tab starts in the
 * page, not at the top of the site), and `announcer` says where the user is, once, for screen readers.
 */
export function usePageChange(title: string, main: React.RefObject<HTMLElement | null>, announcer: React.RefObject<HTMLElement | null>): void {
  const first = useRef(true);
  useEffect(() => {
    document.title = title;
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
    if (announcer.current) announcer.current.textContent = title.replace(/ · Tally$/, "");
  }, [title, main, announcer]);
}

/**
 * The sticky filter bar's height as the page's scroll padding, so an element scrolled into view by the
 * keyboard (Shift+Tab upwards) lands below the bar, not behind it. `hasBar`: the page shows the bar.
 */
export function useStickyBarPadding(hasBar: boolean): void {
  useEffect(() => {
    const root = document.documentElement;
    const bar = hasBar ? document.querySelector<HTMLElement>(".filterbar") : null;
    if (!bar) return;
    // Below 720 px the bar scrolls with the page (responsive.css): no padding then.
    const sync = () => {
      root.style.scrollPaddingTop = getComputedStyle(bar).position === "sticky" ? `${bar.offsetHeight + 8}px` : "";
    };
    sync();
    const observer = new ResizeObserver(sync);
    observer.observe(bar);
    return () => {
      observer.disconnect();
      root.style.scrollPaddingTop = "";
    };
  }, [hasBar]);
}

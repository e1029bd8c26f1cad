import type { ReactNode } from "react";

/**
 * A wide table's scroll container, reachable from the keyboard: on a phone the table scrolls sideways inside
 * it (responsive.css), and a region with nothing focusable in it must itself take focus for the arrow keys to
 * scroll it (WCAG 2.1.1; axe's scrollable-region-focusable). Named by `label`.
 */
export function ScrollRegion({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll container with no focusable content must take focus to be scrolled by keyboard
    <div className="scroll-region" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

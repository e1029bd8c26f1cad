import type { ReactNode } from "react";

/**
 * A wide table's scroll container, reachable from the keyboard: on a phone the table scrolls sideways inside
 * it (responsive.css), and a region with nothing focusable in it must itself take focus for the arrow keys to
 * scroll it (WCAG 2.1.1; axe's scrollable-region-focusable). Named by `label`. `hasControls`: the table holds
 * focusable controls (inputs, buttons), which scroll it into view as they take focus: no tab stop of its own.
 */
export function ScrollRegion({ label, hasControls = false, children }: { label: string; hasControls?: boolean; children: ReactNode }) {
  return (
    <div className="scroll-region" role="region" aria-label={label} tabIndex={hasControls ? undefined : 0}>
      {children}
    </div>
  );
}

import type { KeyboardEvent } from "react";

/**
 * A table row that opens something on click is a tab stop and opens on Enter too. Enter on a link or
 * button inside the row stays theirs (only a key pressed on the row itself opens it).
 */
export function openRowProps(open: () => void): { tabIndex: 0; onClick: () => void; onKeyDown: (e: KeyboardEvent<HTMLElement>) => void } {
  return {
    tabIndex: 0,
    onClick: open,
    onKeyDown: (e) => {
      if (e.key !== "Enter" || e.target !== e.currentTarget) return;
      e.preventDefault();
      open();
    },
  };
}

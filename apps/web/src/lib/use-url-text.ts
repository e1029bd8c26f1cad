import { useState } from "react";

/**
 * Whether `value` changed since the last render: true once, on the render where it did. State derived from
 * it is then adjusted while rendering, as React documents for props that change: no effect, no stale frame,
 * and no remount (an input keeps its focus).
 */
export function useChanged(value: string): boolean {
  const [seen, setSeen] = useState(value);
  if (value === seen) return false;
  setSeen(value);
  return true;
}

/**
 * An input's text that follows a value kept in the URL: typing sets the text (and the caller the URL); a URL
 * change made elsewhere (back, forward, a link, a reset) replaces the text, unless the text already means that
 * value (`same`: "0.10" typed for 0.1 stays as typed).
 */
export function useUrlText(url: string, same: (text: string, url: string) => boolean = (t, u) => t === u): [string, (text: string) => void] {
  const [text, setText] = useState(url);
  if (useChanged(url) && !same(text, url)) setText(url);
  return [text, setText];
}

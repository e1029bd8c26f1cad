import type { ComponentProps, MouseEvent } from "react";

/**
 * A button that cannot act while `unavailable` (a request pending, nothing to save) yet keeps the keyboard focus:
 * it is `aria-disabled`, not `disabled` (a disabled button drops the focus to the page's top, so a keyboard or
 * screen-reader user pressing Save lost their place), and a click or a form's implicit submission (Enter in a
 * field clicks the form's submit button) is cancelled instead. Say why it is unavailable with `aria-describedby`.
 * `ref` reaches the button (to give it the focus back).
 */
export function FocusKeepingButton({ unavailable, onClick, ...rest }: ComponentProps<"button"> & { unavailable: boolean }) {
  const guarded = (e: MouseEvent<HTMLButtonElement>) => {
    if (unavailable) e.preventDefault();
    else onClick?.(e);
  };
  return <button {...rest} aria-disabled={unavailable || undefined} onClick={guarded} />;
}

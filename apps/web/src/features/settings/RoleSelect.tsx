import { ROLE_LABELS, ROLES, type Role } from "@tally/shared";
import type { Ref, SelectHTMLAttributes } from "react";

/** A role picker: each role with what it may do, from the one table the server enforces. */
export function RoleSelect({
  value,
  onRole,
  ...rest
}: Omit<SelectHTMLAttributes<HTMLSelectElement>, "value" | "onChange"> & { value: Role; onRole: (r: Role) => void; ref?: Ref<HTMLSelectElement> }) {
  return (
    <select value={value} onChange={(e) => onRole(ROLES.find((r) => r === e.target.value) ?? value)} {...rest}>
      {ROLES.map((r) => (
        <option key={r} value={r} title={ROLE_LABELS[r]}>
          {r}
        </option>
      ))}
    </select>
  );
}

/** A field's error below it, tied to the field by `id` (the field's aria-describedby). */
export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? (
    // Shown only when the server refuses a change the user just asked for: announced as it appears.
    <span id={id} className="field-error" role="alert">
      {message}
    </span>
  ) : null;
}

/** A role as people read it ("finance" → "Finance"); an unknown name is shown as sent. */
export function roleLabel(role: string): string {
  return role ? role.charAt(0).toUpperCase() + role.slice(1) : role;
}

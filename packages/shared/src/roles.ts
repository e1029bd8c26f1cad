import { z } from "zod";

/** Who may do what: the one table the server enforces and the dashboard reads to hide what a role cannot do. */
export const ROLES = ["viewer", "finance", "reviewer", "admin"] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` });

export const CAPABILITIES = {
  /** Every dashboard page and CSV export. */
  read: ["viewer", "finance", "reviewer", "admin"],
  /** Budgets, customers and prices. */
  editMoney: ["finance", "admin"],
  /** Human review of scores. */
  review: ["reviewer", "admin"],
  /** Users, API keys, settings and the audit log. */
  admin: ["admin"],
} as const satisfies Record<string, readonly Role[]>;
export type Capability = keyof typeof CAPABILITIES;

export function can(role: Role, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly Role[]).includes(role);
}

export const ROLE_LABELS: Record<Role, string> = {
  viewer: "Viewer: every dashboard and export",
  finance: "Finance: viewer + budgets, customers and prices",
  reviewer: "Reviewer: viewer + human review",
  admin: "Admin: everything, users, API keys and the audit log",
};

/** Passwords: 12 to 128 characters, not one character repeated or a run like "123456789012". */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
export const passwordSchema = z
  .string()
  .min(PASSWORD_MIN, { message: `password must be at least ${PASSWORD_MIN} characters` })
  .max(PASSWORD_MAX, { message: `password must be at most ${PASSWORD_MAX} characters` })
  .refine((p) => new Set(p).size >= 5, { message: "password is too simple: use at least 5 different characters" });

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "email is not a valid address" }));

// Plain constants, no zod: the dashboard imports these, and a bundle that imports only these carries no
// schema library (roles.ts and schemas/access.ts build their schemas on them and re-export them).

/** Who may do what: the one table the server enforces and the dashboard reads to hide what a role cannot do. */
export const ROLES = ["viewer", "finance", "reviewer", "admin"] as const;
export type Role = (typeof ROLES)[number];

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

/** Every action the audit log records: writeAudit accepts only these, and `audit.list` filters on them. */
export const AUDIT_ACTIONS = [
  "prices.upsert",
  "customers.upsert",
  "users.create",
  "users.invite",
  "users.revokeInvitation",
  "users.setRole",
  "users.remove",
  "users.changePassword",
  "apiKeys.create",
  "apiKeys.revoke",
  "judgeSampling.set",
  "judgeSampling.remove",
  "prices.update",
  "prices.remove",
  "reprice.start",
  "alerts.rule.create",
  "alerts.rule.update",
  "alerts.rule.remove",
  "alerts.channel.create",
  "alerts.channel.update",
  "alerts.channel.remove",
  "reviewSampling.set",
  "reviewSampling.remove",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

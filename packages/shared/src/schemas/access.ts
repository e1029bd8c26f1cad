import { z } from "zod";
import { emailSchema, roleSchema } from "../roles.ts";
import { instantSchema } from "./analytics.ts";
import { wellFormedString } from "./strings.ts";
import { AUDIT_ACTIONS } from "../access-names.ts";

/**
 * Inputs of the admin procedures (users, API keys, audit log) and the audit CSV export. Browser-safe: the
 * settings pages import these.
 */

export { AUDIT_ACTIONS, type AuditAction } from "../access-names.ts";

/** A user's or a key's id as stored (a UUID today); bounded and without control characters. */
const recordId = (name: string) => wellFormedString().trim().min(1, { message: `${name} is required` }).max(200);

export const userInviteInput = z.strictObject({ email: emailSchema, role: roleSchema });
export const userSetRoleInput = z.strictObject({ userId: recordId("userId"), role: roleSchema });
export const userRemoveInput = z.strictObject({ userId: recordId("userId") });
export const userRevokeInvitationInput = z.strictObject({ email: emailSchema });

export const API_KEY_NAME_MAX = 100;
export const apiKeyCreateInput = z.strictObject({
  name: wellFormedString().trim().min(1, { message: "name is required" }).max(API_KEY_NAME_MAX, { message: `name must be at most ${API_KEY_NAME_MAX} characters` }),
  role: roleSchema,
});
export const apiKeyRevokeInput = z.strictObject({ id: recordId("id") });

export const AUDIT_PAGE_MAX = 200;
/** The audit log's filters: `[from, to)` on the time, the exact action, and text the actor or target contains (any case). */
const auditFilterShape = {
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  action: z.enum(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(", ")}` }).optional(),
  actor: wellFormedString().max(200).optional(),
  target: wellFormedString().max(500).optional(),
};
const toAfterFrom = (v: { from?: number | undefined; to?: number | undefined }, ctx: z.RefinementCtx) => {
  if (v.from !== undefined && v.to !== undefined && v.from > v.to) ctx.addIssue({ code: "custom", path: ["to"], message: "`to` is before `from`" });
};

/** `audit.list`, newest first; no input = the newest 50 entries. */
export const auditListInput = z
  .strictObject({
    ...auditFilterShape,
    cursor: z.string().max(1000).optional(),
    limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
  })
  .superRefine(toAfterFrom)
  .prefault({});

/** `/api/export/audit.csv?input=`: the same filters (paging fields are accepted and ignored: the file holds every match). */
export const auditExportInput = z
  .strictObject({ ...auditFilterShape })
  .superRefine(toAfterFrom);

export type AuditListInput = z.infer<typeof auditListInput>;
export type AuditFilter = z.infer<typeof auditExportInput>;

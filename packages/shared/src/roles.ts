import { z } from "zod";

import { ROLES } from "./access-names.ts";

export { CAPABILITIES, type Capability, can, type Role, ROLE_LABELS, ROLES } from "./access-names.ts";
export const roleSchema = z.enum(ROLES, { message: `role must be one of ${ROLES.join(", ")}` });

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
  .pipe(z.email({ message: "email is not a valid address (name@example.com)" }));

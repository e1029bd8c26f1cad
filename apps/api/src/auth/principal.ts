import type { Role } from "@tally/shared";

/** Who is asking: a signed-in user or an API key, with the role that decides what they may do. */
export interface Principal {
  kind: "user" | "api_key";
  id: string;
  /** The user's email or the key's name, as the audit log records it. */
  label: string;
  role: Role;
}

/** Who made a change the audit log records: a principal, or Tally itself (start-up initialisation). */
export type Actor = Principal | { kind: "system"; id: string; label: string };

export const SYSTEM: Actor = { kind: "system", id: "tally", label: "Tally (start-up)" };

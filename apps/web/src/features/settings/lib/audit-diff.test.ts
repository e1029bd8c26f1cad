import { describe, expect, it } from "vitest";
import { auditChanges, auditTime, formatAuditValue, sameJson } from "./audit-diff.ts";

describe("audit diff", () => {
  it("lists only the fields an update changed", () => {
    expect(auditChanges({ role: "viewer" }, { role: "admin" })).toEqual([{ field: "role", before: "viewer", after: "admin", kind: "changed" }]);
    const before = { id: "acme", name: "Acme", monthlyBudgetMicros: 5_000_000 };
    const after = { id: "acme", name: "Acme Corp", monthlyBudgetMicros: 5_000_000 };
    expect(auditChanges(before, after)).toEqual([{ field: "name", before: "Acme", after: "Acme Corp", kind: "changed" }]);
  });

  it("lists every field of a creation as added and of a removal as removed", () => {
    expect(auditChanges(null, { email: "a@x.io", role: "viewer" })).toEqual([
      { field: "email", before: null, after: "a@x.io", kind: "added" },
      { field: "role", before: null, after: "viewer", kind: "added" },
    ]);
    expect(auditChanges({ email: "a@x.io" }, null)).toEqual([{ field: "email", before: "a@x.io", after: null, kind: "removed" }]);
    // Null fields of a created or removed record say nothing.
    expect(auditChanges(null, { name: "ci", lastUsedAt: null, revokedAt: null })).toEqual([{ field: "name", before: null, after: "ci", kind: "added" }]);
    expect(auditChanges({ name: "ci", revokedAt: null }, null)).toEqual([{ field: "name", before: "ci", after: null, kind: "removed" }]);
  });

  it("tells a field set to null from a field that appears or goes", () => {
    expect(auditChanges({ revokedAt: null, name: "ci" }, { revokedAt: 1_767_225_600_000, name: "ci" })).toEqual([
      { field: "revokedAt", before: null, after: 1_767_225_600_000, kind: "changed" },
    ]);
    expect(auditChanges({ a: 1 }, { b: 2 })).toEqual([
      { field: "a", before: 1, after: null, kind: "removed" },
      { field: "b", before: null, after: 2, kind: "added" },
    ]);
  });

  it("reads nested records as dotted paths and compares arrays whole, in any key order", () => {
    expect(auditChanges({ limits: { daily: 1, monthly: 30 } }, { limits: { monthly: 30, daily: 2 } })).toEqual([
      { field: "limits.daily", before: 1, after: 2, kind: "changed" },
    ]);
    expect(auditChanges({ tags: ["a", "b"] }, { tags: ["a", "b"] })).toEqual([]);
    expect(auditChanges({ tags: ["a"] }, { tags: ["a", "b"] })).toEqual([{ field: "tags", before: ["a"], after: ["a", "b"], kind: "changed" }]);
    expect(sameJson({ x: { y: [1, { z: 2 }] } }, { x: { y: [1, { z: 2 }] } })).toBe(true);
    expect(sameJson({ x: 1 }, { x: 1, y: 2 })).toBe(false);
  });

  it("diffs plain values under an empty field name, and nothing on nothing", () => {
    expect(auditChanges("old", "new")).toEqual([{ field: "", before: "old", after: "new", kind: "changed" }]);
    expect(auditChanges(null, null)).toEqual([]);
    expect(auditChanges({ a: 1 }, { a: 1 })).toEqual([]);
  });

  it("formats instants in the zone, micro-USD as dollars, and nothing as a dash", () => {
    // 2026-01-01T00:00Z is 2025-12-31 19:00 in New York (UTC-5 in winter).
    expect(formatAuditValue("expiresAt", Date.UTC(2026, 0, 1), "America/New_York", "en-US")).toBe("Dec 31, 2025, 07:00:00 PM");
    expect(formatAuditValue("effectiveFrom", Date.UTC(2026, 0, 1), "UTC", "en-US")).toBe("Jan 1, 2026, 12:00:00 AM");
    expect(formatAuditValue("monthlyBudgetMicros", 12_500_000, "UTC", "en-US")).toBe("$12.50");
    expect(formatAuditValue("inputMicrosPerMtok", 2_500_000, "UTC", "en-US")).toBe("$2.50");
    expect(formatAuditValue("role", "admin", "UTC")).toBe("admin");
    expect(formatAuditValue("provider", "", "UTC")).toBe('""');
    expect(formatAuditValue("revokedAt", null, "UTC")).toBe("—");
    expect(formatAuditValue("count", 3, "UTC")).toBe("3");
    expect(formatAuditValue("tags", ["a", "b"], "UTC")).toBe('["a","b"]');
    expect(auditTime(Date.UTC(2026, 0, 1, 9, 5, 7), "UTC", "en-US")).toBe("Jan 1, 2026, 09:05:07 AM");
    // A small number in a time-named field is not an instant.
    expect(formatAuditValue("retryAt", 5, "UTC")).toBe("5");
  });
});

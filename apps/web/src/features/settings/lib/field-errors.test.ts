import { describe, expect, it } from "vitest";
import { formErrors, unclaimed } from "./field-errors.ts";

/** The shape of a tRPC client error for a 400 (message + data.zodError). */
function trpcError(message: string, fieldErrors: Record<string, string[]>, formErrors: string[] = []) {
  return Object.assign(new Error(message), { data: { code: "BAD_REQUEST", httpStatus: 400, zodError: { fieldErrors, formErrors } } });
}

describe("form errors", () => {
  it("reads each field's messages from a 400", () => {
    const e = trpcError("this is the last admin", { role: ["this is the last admin: make another user admin first"] });
    expect(formErrors(e)).toEqual({ fields: { role: "this is the last admin: make another user admin first" }, form: null });
    const two = trpcError("bad", { email: ["email is not a valid address", "too long"] });
    expect(formErrors(two).fields.email).toBe("email is not a valid address; too long");
  });

  it("keeps an error without field messages as a form message", () => {
    expect(formErrors(new Error("Failed to fetch"))).toEqual({ fields: {}, form: "Failed to fetch" });
    expect(formErrors(Object.assign(new Error("forbidden"), { data: { code: "FORBIDDEN", zodError: null } }))).toEqual({ fields: {}, form: "forbidden" });
    expect(formErrors(trpcError("x", {}, ["whole input wrong"]))).toEqual({ fields: {}, form: "whole input wrong" });
    expect(formErrors(null)).toEqual({ fields: {}, form: null });
  });

  it("leaves to the form what no field shows", () => {
    const e = formErrors(trpcError("x", { email: ["taken"], secret: ["too short"] }));
    expect(unclaimed(e, ["email", "role"])).toBe("secret: too short");
    expect(unclaimed(e, ["email", "secret"])).toBeNull();
    expect(unclaimed(formErrors(new Error("offline")), ["email"])).toBe("offline");
  });
});

import { describe, expect, it } from "vitest";
import { ExportSlots } from "./slots.ts";

describe("ExportSlots", () => {
  it("runs at most perPrincipal exports per user and total on the server, and frees a slot once", () => {
    const slots = new ExportSlots({ perPrincipal: 2, total: 3 });
    const a1 = slots.take("user:a");
    const a2 = slots.take("user:a");
    expect("release" in a1 && "release" in a2).toBe(true);
    const a3 = slots.take("user:a");
    expect(a3).toEqual({ refused: "2 of your exports are still running (at most 2 at once): try again when one finishes" });
    const b1 = slots.take("api_key:b");
    expect("release" in b1).toBe(true);
    expect(slots.take("user:c")).toEqual({ refused: "the server is writing 3 exports (at most 3 at once): try again in a moment" });
    if (!("release" in a1) || !("release" in b1)) throw new Error("unreachable");
    a1.release();
    a1.release(); // a second release frees nothing more
    expect("release" in slots.take("user:c")).toBe(true);
    expect("refused" in slots.take("user:d")).toBe(true); // a2, b1 and c run: the server is full again
    b1.release();
    expect("release" in slots.take("user:a")).toBe(true); // a holds a2 and this one
    expect("refused" in slots.take("user:a")).toBe(true);
  });
});

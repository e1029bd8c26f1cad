import { describe, expect, it } from "vitest";
import { shownUrl } from "./catalog.ts";

describe("the catalog URL every reader sees (prices.catalog)", () => {
  it("drops a user, password, query and fragment, and says so", () => {
    const shown = shownUrl("https://reader:s3cret@mirror.example.com:8443/genai/prices.json?token=abc123#latest");
    expect(shown).toBe("https://mirror.example.com:8443/genai/prices.json (credentials and query hidden)");
    for (const secret of ["reader", "s3cret", "abc123", "latest"]) expect(shown).not.toContain(secret);
  });
  it("shows a plain URL as it is", () => {
    expect(shownUrl("https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json")).toBe(
      "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json",
    );
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { colorScale, contrast, OTHER_COLOR, PALETTE } from "./colors.ts";

/** The theme variables of styles.css: the first `:root` block (light), then the dark block laid over it. */
function themes(): { light: Map<string, string>; dark: Map<string, string> } {
  const css = readFileSync(new URL("../styles.css", import.meta.url), "utf8");
  const vars = (block: string) => new Map([...block.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim().toLowerCase()]));
  const light = vars(/:root\s*\{([^}]*)\}/.exec(css)?.[1] ?? "");
  const darkBlock = /@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css)?.[1];
  return { light, dark: new Map([...light, ...vars(darkBlock ?? "")]) };
}

/** A colour as #rrggbb in a theme: `var(--x)` looked up (a colour the theme lacks fails the test), else itself. */
const resolve = (theme: Map<string, string>, c: string) => {
  const v = /^var\((--[\w-]+)\)$/.exec(c);
  const hex = v ? theme.get(v[1]!) : c.toLowerCase();
  if (!hex || !/^#[0-9a-f]{6}$/.test(hex)) throw new Error(`${c} is not a #rrggbb colour of the theme`);
  return hex;
};

const { light, dark } = themes();
const THEMES = [["light", light], ["dark", dark]] as const;
const BACKGROUNDS = ["var(--panel)", "var(--bg)"];

describe("contrast", () => {
  it("matches WCAG reference values", () => {
    // Black on white is 21:1 by definition; #777777 on white is the well-known 4.48:1; the measures.
    expect(contrast("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrast("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
    expect(contrast("#E69F00", "#ffffff")).toBeCloseTo(2.25, 2);
    expect(contrast("#56B4E9", "#ffffff")).toBeCloseTo(2.31, 2);
  });
});

describe.each(THEMES)("the %s theme", (_name, theme) => {
  const c = (x: string) => resolve(theme, x);

  it("draws every chart series (and 'other') at 3:1 or more on the panel and the page", () => {
    for (const s of [...PALETTE, OTHER_COLOR]) for (const bg of BACKGROUNDS) expect(contrast(c(s), c(bg)), `${s} on ${bg}`).toBeGreaterThanOrEqual(3);
    expect(new Set(PALETTE.map(c)).size).toBe(PALETTE.length);
  });

  it("writes every text colour at 4.5:1 or more on its backgrounds", () => {
    const onPage = ["--text", "--muted", "--accent", "--good", "--bad", "--warn-text", "--error-text", "--budget-ok", "--budget-near", "--budget-over"];
    const pairs: [string, string][] = [
      ...onPage.flatMap((t) => [...BACKGROUNDS, "var(--panel-soft)", "var(--row-hover)"].map((bg): [string, string] => [`var(${t})`, bg])),
      ...["--accent", "--good", "--bad"].map((bg): [string, string] => ["var(--on-accent)", `var(${bg})`]),
      ["var(--accent)", "var(--accent-soft)"],
      ["var(--good)", "var(--good-bg)"],
      ["var(--bad)", "var(--bad-bg)"],
      ["var(--text)", "var(--bad-bg)"],
      ["var(--warn-text)", "var(--warn-bg)"],
      ["var(--text)", "var(--warn-bg)"],
      ["var(--error-text)", "var(--error-bg)"],
      ["var(--text)", "var(--error-bg)"],
      ["var(--text)", "var(--neutral-bg)"],
      ["var(--topbar-link)", "var(--topbar)"],
      ["var(--topbar-text)", "var(--topbar)"],
      ["var(--topbar-text)", "var(--topbar-current)"],
      ["var(--topbar-link)", "var(--topbar-hover)"],
    ];
    for (const [fg, bg] of pairs) expect(contrast(c(fg), c(bg)), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
  });

  it("draws budget bars at 3:1 or more on their track", () => {
    for (const f of ["--budget-ok", "--budget-near", "--budget-over"]) expect(contrast(c(`var(${f})`), c("var(--neutral-bg)")), f).toBeGreaterThanOrEqual(3);
  });
});

describe("colorScale", () => {
  it("gives a key the same colour whatever subset or order a chart has", () => {
    const a = colorScale(["m-b", "m-a", "m-c"]);
    const b = colorScale(["m-c", "m-a", "m-b"]);
    expect(a("m-b")).toBe(b("m-b"));
    expect(new Set(["m-a", "m-b", "m-c"].map(a)).size).toBe(3);
    expect(PALETTE).toContain(a("unknown-key"));
  });
});

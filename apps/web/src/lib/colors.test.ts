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

/** CIE76 colour difference of two #rrggbb colours: sRGB → XYZ (D65) → CIELAB, then the Euclidean distance. */
function deltaE(a: string, b: string): number {
  const toLab = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27) * t / 116 + 16 / 116);
    const x = f((0.4124 * r + 0.3576 * g + 0.1805 * bl) / 0.95047);
    const y = f(0.2126 * r + 0.7152 * g + 0.0722 * bl);
    const z = f((0.0193 * r + 0.1192 * g + 0.9505 * bl) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [p, q] = [toLab(a), toLab(b)];
  return Math.hypot(p[0]! - q[0]!, p[1]! - q[1]!, p[2]! - q[2]!);
}

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

  it("keeps every two series colours (and 'other') apart: CIE76 ΔE of 20 or more", () => {
    const colors = [...PALETTE, OTHER_COLOR].map(c);
    for (const [i, a] of colors.entries()) for (const b of colors.slice(i + 1)) expect(deltaE(a, b), `${a} and ${b}`).toBeGreaterThanOrEqual(20);
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
    // Twelve models (a real team's count): twelve colours.
    const twelve = Array.from({ length: 12 }, (_, i) => `model-${String(i + 1).padStart(2, "0")}`);
    expect(new Set(twelve.map(colorScale(twelve))).size).toBe(12);
    expect(PALETTE).toContain(a("unknown-key"));
  });
});

/**
 * The demo's cast: customers on plans, real catalog models (so genai-prices prices them), one fine-tuned
 * model missing from the catalog (so "unpriced" shows), and the story the charts should tell.
 */

export const DEMO_DAYS = 90;
export const DEMO_PREFIX = "demo-";
export const JUDGE_MODEL = "gpt-4o-mini";

export const PLANS = {
  // Monthly budgets sized to the demo's traffic, so month-to-date budget use spreads over roughly 20–70%.
  starter: { budgetUsd: 0.25, weight: 1 },
  growth: { budgetUsd: 0.75, weight: 4 },
  enterprise: { budgetUsd: 2, weight: 14 },
} as const;
export type Plan = keyof typeof PLANS;

const NAMES: [string, Plan][] = [
  ["Globex", "growth"], ["Initech", "enterprise"], ["Umbrella Health", "enterprise"], ["Hooli", "enterprise"],
  ["Stark Logistics", "growth"], ["Wayne Retail", "enterprise"], ["Acme Robotics", "growth"], ["Soylent Foods", "starter"],
  ["Cyberdyne", "growth"], ["Tyrell Labs", "growth"], ["Wonka Sweets", "starter"], ["Pied Piper", "starter"],
  ["Vandelay Imports", "starter"], ["Dunder Paper", "growth"], ["Oceanic Air", "enterprise"], ["Monarch Bank", "enterprise"],
  ["Gringotts Savings", "growth"], ["Nakatomi Trading", "growth"], ["Bluth Homes", "starter"], ["Prestige Worldwide", "starter"],
  ["Sterling Cooper", "growth"], ["Massive Dynamic", "enterprise"], ["Aperture Science", "growth"], ["Black Mesa", "growth"],
  ["Virtucon", "starter"], ["Wernham Hogg", "starter"], ["Los Pollos", "starter"], ["Krusty Krab", "starter"],
  ["Duff Brewing", "growth"], ["Blue Sun", "enterprise"],
];

export const CUSTOMERS = NAMES.map(([name, plan]) => ({
  id: `${DEMO_PREFIX}${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
  name: `${name} (demo)`,
  plan,
}));

/** The customer whose budget is set so this month's spend sits just under it. */
export const NEAR_BUDGET_CUSTOMER = CUSTOMERS[0]!.id;

export interface DemoModel {
  model: string;
  provider?: string;
  /** Share of traffic, before and after the version change. */
  share: [number, number];
  /** Mean judge score per criterion (1–5 scale), before and after the version change. */
  quality: [number, number];
  promptTokens: number;
  completionTokens: number;
  cacheShare: number;
}

/** Day (counted back from today) on which support moved from gpt-4o-mini to gpt-4.1-mini, and accuracy fell. */
export const VERSION_CHANGE_DAY = 24;

export const MODELS: DemoModel[] = [
  { model: "gpt-4o", provider: "openai", share: [14, 14], quality: [4.3, 4.3], promptTokens: 2400, completionTokens: 420, cacheShare: 0.4 },
  { model: "gpt-4o-mini", provider: "openai", share: [30, 2], quality: [3.9, 3.9], promptTokens: 2100, completionTokens: 380, cacheShare: 0.5 },
  { model: "gpt-4.1-mini", provider: "openai", share: [2, 30], quality: [4.0, 3.3], promptTokens: 2100, completionTokens: 360, cacheShare: 0.5 },
  { model: "claude-sonnet-4-20250514", provider: "anthropic", share: [18, 18], quality: [4.4, 4.4], promptTokens: 2600, completionTokens: 510, cacheShare: 0.6 },
  { model: "claude-3-5-haiku-20241022", provider: "anthropic", share: [12, 12], quality: [3.7, 3.7], promptTokens: 1900, completionTokens: 300, cacheShare: 0.3 },
  { model: "gemini-2.5-flash", provider: "google", share: [14, 14], quality: [3.8, 3.8], promptTokens: 2000, completionTokens: 340, cacheShare: 0 },
  { model: "acme-support-ft-v2", share: [10, 10], quality: [4.1, 4.1], promptTokens: 1500, completionTokens: 260, cacheShare: 0 },
];

/** A negotiated Anthropic discount: 20% off list from this many days ago. */
export const PRICE_OVERRIDE = {
  model: "claude-sonnet-4-20250514",
  provider: "",
  daysAgo: 45,
  inputMicrosPerMtok: 2_400_000,
  outputMicrosPerMtok: 12_000_000,
  cacheReadMicrosPerMtok: 240_000,
  cacheWriteMicrosPerMtok: 3_000_000,
};

export const AGENTS = [
  { slug: "support-app-handle-support-ticket", share: 0.75 },
  { slug: "support-app-summarize-thread", share: 0.25 },
];

export const CRITERIA = ["helpfulness", "accuracy", "tone"] as const;

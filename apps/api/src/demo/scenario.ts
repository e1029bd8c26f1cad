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

/**
 * A triage call: this share of support tickets is first classified by a small model, its usage reported a
 * moment after the answer's. Such a run spends on two models: spend charts book the call under its own model,
 * and a drill-down from its bar lists the runs behind it (Runs by spend), though no run is of that model.
 */
export const TRIAGE = {
  agent: "support-app-handle-support-ticket",
  share: 0.3,
  model: "gpt-4.1-nano",
  provider: "openai",
  promptTokens: 700,
  completionTokens: 12,
  /** Reported this long after the run's answer. */
  delayMs: 2_000,
};

export const CRITERIA = ["helpfulness", "accuracy", "tone"] as const;

/**
 * Human review in the demo (issue 19). Reviewers label a share of the judged runs: every run with a criterion
 * below 3 (the default review threshold) and a 5% random sample, each labelled within a day or left to expire
 * after 7 days; today's items wait in the queue. The story the agreement card tells: reviewers agree with the
 * judge on accuracy, mostly on helpfulness, and the judge over-rates tone (kappa flagged below 0.4), worst on
 * one model.
 */
export const REVIEW = {
  sampleRate: 0.05,
  threshold: 3,
  /** Share of queued items a reviewer labels (the rest expire, or wait if from today). */
  reviewedShare: { threshold: 0.85, sample: 0.6 },
  secondReviewerShare: 0.25,
  expireAfterDays: 7,
  toneOverRatedModel: "gemini-2.5-flash",
  reviewers: [
    { id: `${DEMO_PREFIX}reviewer-priya`, label: "priya@support.example (demo)" },
    { id: `${DEMO_PREFIX}reviewer-marco`, label: "marco@support.example (demo)" },
    { id: `${DEMO_PREFIX}reviewer-jo`, label: "jo@support.example (demo)" },
  ],
};

/**
 * How far below the judge a reviewer scores each criterion: weights of 0, 1, 2, 3 points below (a negative
 * entry: above). Accuracy: mostly the judge's score; tone: the judge is generous.
 */
export const REVIEWER_OFFSETS: Record<(typeof CRITERIA)[number] | "toneOverRated", [offset: number, weight: number][]> = {
  accuracy: [[0, 76], [1, 12], [-1, 10], [2, 2]],
  helpfulness: [[0, 60], [1, 24], [-1, 11], [2, 5]],
  tone: [[0, 15], [1, 28], [-1, 15], [2, 28], [3, 14]],
  toneOverRated: [[0, 12], [1, 33], [2, 37], [3, 18]],
};

/** Support tickets and the agent's replies, shown on the Review page (the demo has no real text). */
export const TICKETS: { input: string; output: string }[] = [
  {
    input: "I was charged twice for my March invoice (INV-2291). Can you refund the duplicate?",
    output: "Thanks for flagging this. I can see two charges for INV-2291 on 3 March. I've refunded the duplicate of $49.00; it will reach your card in 3–5 business days.",
  },
  {
    input: "The export to CSV has been spinning for an hour. This is the third time this week. Fix it.",
    output: "Exports over 50,000 rows run in the background. Please try again and check your inbox for the download link.",
  },
  {
    input: "How do I add a teammate to our workspace without giving them billing access?",
    output: "Go to Settings → Members → Invite, enter their email and choose the Member role. Members can use every project but cannot see billing; only Owners can.",
  },
  {
    input: "Your app deleted my notes after the update!!! I need them back today.",
    output: "Notes are never deleted by updates. They were moved to Archive. Open the sidebar and select Archive.",
  },
  {
    input: "Can I change my plan from monthly to annual and keep my discount code?",
    output: "Yes: switch under Billing → Plan → Annual. Your code SPRING20 stays applied to the first annual payment; we prorate the unused part of this month.",
  },
  {
    input: "The API returns 429 errors even though we're under our rate limit.",
    output: "429s mean you exceeded the limit. Upgrade your plan for higher limits.",
  },
];

/**
 * The alert rule form: each kind's parameters as form fields (text in, `alertRuleParams` out), and back for
 * editing. Pure. The API judges the values (`alertRuleParams` in @tally/shared); here only what cannot be
 * sent at all (text where a number goes) is caught, named by its field; the API's own messages come back
 * as `params.<field>` and stand by the same field (`paramError`).
 */
import type { AlertKind } from "../../alerts/lib/prepare-alerts.ts";
import { microsToUsdInput, parseUsdToMicros } from "./money-input.ts";

type FieldType = "number" | "usd" | "percents" | "text" | "bool" | "by";

export interface RuleField {
  /** The params key (`amountMicros` for a dollar field). */
  key: string;
  label: string;
  type: FieldType;
  optional?: boolean;
  /** The form's initial text. */
  initial?: string;
  help?: string;
}

const WINDOW: RuleField = { key: "windowHours", label: "Window (hours, 1–720)", type: "number", initial: "24" };
const CUSTOMER: RuleField = { key: "customerId", label: "Customer id (empty: every customer with a budget)", type: "text", optional: true };
const MODEL: RuleField = { key: "model", label: "Model (empty: any)", type: "text", optional: true };

export const RULE_FIELDS: Record<AlertKind, RuleField[]> = {
  budget: [{ key: "thresholds", label: "Thresholds (% of the monthly budget)", type: "percents", initial: "80, 100" }, CUSTOMER],
  forecast: [CUSTOMER],
  spend_over: [{ key: "amountMicros", label: "Amount (USD)", type: "usd" }, WINDOW, MODEL],
  spend_spike: [
    { key: "by", label: "Spike of each", type: "by", initial: "model" },
    { ...WINDOW, initial: "1" },
    { key: "baselineHours", label: "Baseline (hours)", type: "number", initial: "168" },
    { key: "factor", label: "Factor k (> 1)", type: "number", initial: "3" },
    { key: "minMicros", label: "Ignore below (USD)", type: "usd", initial: "1", optional: true },
  ],
  quality_drop: [
    { key: "scoreName", label: "Score name", type: "text" },
    MODEL,
    WINDOW,
    { key: "threshold", label: "Mean below (0–1)", type: "number", optional: true },
    { key: "compareToPrevious", label: "Or significantly below the previous window", type: "bool", initial: "true" },
    { key: "minSamples", label: "Minimum samples", type: "number", initial: "30" },
  ],
  unpriced: [MODEL, WINDOW],
  judge_failures: [{ key: "rate", label: "Failure rate above (0–1)", type: "number", initial: "0.1" }, WINDOW, { key: "minRuns", label: "Minimum runs", type: "number", initial: "20" }],
};

export type FormValues = Record<string, string>;

export function initialValues(kind: AlertKind): FormValues {
  return Object.fromEntries(RULE_FIELDS[kind].map((f) => [f.key, f.initial ?? ""]));
}

/** A stored rule's params as form text, for editing. */
export function valuesFromParams(kind: AlertKind, params: Record<string, unknown>): FormValues {
  return Object.fromEntries(
    RULE_FIELDS[kind].map((f) => {
      const v = params[f.key];
      if (v === undefined || v === null) return [f.key, f.type === "bool" ? "false" : ""];
      if (f.type === "usd") return [f.key, microsToUsdInput(Number(v))];
      if (f.type === "percents") return [f.key, Array.isArray(v) ? v.join(", ") : ""];
      return [f.key, String(v)];
    }),
  );
}

/** Form text → params; a value that is not a number where one goes is an error on its field, and nothing is sent. */
export function paramsFromValues(kind: AlertKind, values: FormValues): { params: Record<string, unknown>; errors: Record<string, string> } {
  const params: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of RULE_FIELDS[kind]) {
    const text = (values[f.key] ?? "").trim();
    if (f.type === "bool") {
      params[f.key] = text === "true";
      continue;
    }
    if (text === "") {
      if (!f.optional) errors[f.key] = `${f.label} is required`;
      continue;
    }
    if (f.type === "text" || f.type === "by") params[f.key] = text;
    else if (f.type === "usd") {
      const micros = parseUsdToMicros(text);
      if (typeof micros === "number") params[f.key] = micros;
      else errors[f.key] = `${f.label}: enter an amount in dollars, e.g. 25 or 0.50`;
    } else if (f.type === "percents") {
      const list = text.split(/[\s,]+/).filter(Boolean).map((p) => Number(p.replace(/%$/, "")));
      if (list.every(Number.isFinite)) params[f.key] = list;
      else errors[f.key] = `${f.label}: enter numbers separated by commas, e.g. 80, 100`;
    } else {
      const n = Number(text);
      if (Number.isFinite(n)) params[f.key] = n;
      else errors[f.key] = `${f.label}: enter a number`;
    }
  }
  return { params, errors };
}

/** A rule's parameters in one line for the rules table. */
export function describeParams(kind: AlertKind, params: Record<string, unknown>): string {
  const usd = (v: unknown) => `$${microsToUsdInput(Number(v))}`;
  const who = (p: Record<string, unknown>) => (p.customerId ? `customer ${String(p.customerId)}` : "every customer with a budget");
  const model = (p: Record<string, unknown>) => (p.model ? ` · model ${String(p.model)}` : "");
  const h = (v: unknown) => `${String(v)} h`;
  switch (kind) {
    case "budget":
      return `${(Array.isArray(params.thresholds) ? params.thresholds : []).map((t) => `${String(t)}%`).join(", ")} of the monthly budget · ${who(params)}`;
    case "forecast":
      return `month-end forecast over budget · ${who(params)}`;
    case "spend_over":
      return `any customer over ${usd(params.amountMicros)} in ${h(params.windowHours)}${model(params)}`;
    case "spend_spike":
      return `a ${String(params.by)}'s last ${h(params.windowHours)} above ${String(params.factor)}× its ${h(params.baselineHours)} baseline (from ${usd(params.minMicros)})`;
    case "quality_drop":
      return [
        `${String(params.scoreName)}${model(params)} over ${h(params.windowHours)}`,
        ...(params.threshold !== undefined && params.threshold !== null ? [`mean below ${String(params.threshold)}`] : []),
        ...(params.compareToPrevious ? ["or significantly below the previous window"] : []),
        `at least ${String(params.minSamples ?? 30)} samples`,
      ].join(" · ");
    case "unpriced":
      return `unpriced calls appear${model(params)} in ${h(params.windowHours ?? 24)}`;
    case "judge_failures":
      return `judge failure rate above ${String(params.rate)} over ${h(params.windowHours)} (at least ${String(params.minRuns)} runs)`;
  }
}

/** The message for a parameter field: the form's own, else the API's (`params.<key>` in the 400's fieldErrors). */
export function paramError(key: string, local: Record<string, string>, api: Record<string, string>): string | undefined {
  return local[key] ?? api[`params.${key}`];
}

/** The API's fields a rule form shows beside a field (the rest go with the form's message). */
export function ruleFormFields(kind: AlertKind): string[] {
  return ["kind", "name", "params", ...RULE_FIELDS[kind].map((f) => `params.${f.key}`)];
}

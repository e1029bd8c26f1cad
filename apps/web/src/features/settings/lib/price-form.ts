import { parseUsdToMicros } from "./money-input.ts";

export interface PriceFormFields {
  model: string;
  input: string;
  output: string;
  cacheRead: string;
  cacheWrite: string;
  /** The effective-from date field ("" when the browser holds no complete date); absent when editing. */
  from?: string;
}

/** The form's four price fields, each with its own error message. */
export type PriceField = "input" | "output" | "cacheRead" | "cacheWrite";

const PRICES: [field: PriceField, label: string, required: boolean][] = [
  ["input", "Input", true],
  ["output", "Output", true],
  ["cacheRead", "Cache read", false],
  ["cacheWrite", "Cache write", false],
];

const AMOUNT = "not a dollar amount. Enter one like 2.50 (at most 6 decimals)";

/**
 * What the price form still needs, in words ("Enter the model id and the output price."), or null when nothing
 * is missing. Input and output prices are required; cache prices are optional. Pure.
 */
export function priceFormMissing(f: PriceFormFields): string | null {
  const missing: string[] = [];
  if (f.model.trim() === "") missing.push("the model id");
  for (const [field, label, required] of PRICES) {
    if (required && parseUsdToMicros(f[field]) === null) missing.push(`the ${label.toLowerCase()} price`);
  }
  if (f.from !== undefined && f.from.trim() === "") missing.push("the effective-from date");
  return missing.length > 0 ? `Enter ${joinAnd(missing)}.` : null;
}

/**
 * Each price field whose text is not an amount, with the message shown by it. The message does not quote the
 * text: it stays the same while the person types on, so a screen reader reads it once, when it appears. Pure.
 */
export function priceFieldErrors(f: PriceFormFields): Partial<Record<PriceField, string>> {
  const errors: Partial<Record<PriceField, string>> = {};
  for (const [field, label, required] of PRICES) {
    if (parseUsdToMicros(f[field]) === undefined) errors[field] = `${label} price: ${AMOUNT}${required ? "" : ", or leave it empty"}.`;
  }
  return errors;
}

function joinAnd(xs: string[]): string {
  return xs.length <= 2 ? xs.join(" and ") : `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}`;
}

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

const AMOUNT = "is not a price in USD per million tokens. Enter one like 2.50 (at most 6 decimals)";

/**
 * Why the price form cannot be sent yet, in words (shown beside its disabled button), or null when it can.
 * Input and output prices are required; cache prices are optional. Pure.
 */
export function priceFormProblem(f: PriceFormFields): string | null {
  const problems: string[] = [];
  const missing: string[] = [];
  if (f.model.trim() === "") missing.push("the model id");
  const prices: [label: string, text: string, required: boolean][] = [
    ["Input", f.input, true],
    ["Output", f.output, true],
    ["Cache read", f.cacheRead, false],
    ["Cache write", f.cacheWrite, false],
  ];
  for (const [label, text, required] of prices) {
    const micros = parseUsdToMicros(text);
    if (micros === null && required) missing.push(`the ${label.toLowerCase()} price`);
    else if (micros === undefined) problems.push(`${label} price: “${text.trim()}” ${AMOUNT}${required ? "" : ", or leave it empty"}.`);
  }
  if (f.from !== undefined && f.from.trim() === "") missing.push("the effective-from date");
  if (missing.length > 0) problems.unshift(`Enter ${joinAnd(missing)}.`);
  return problems.length > 0 ? problems.join(" ") : null;
}

function joinAnd(xs: string[]): string {
  return xs.length <= 2 ? xs.join(" and ") : `${xs.slice(0, -1).join(", ")} and ${xs.at(-1)}`;
}

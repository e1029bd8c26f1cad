import { createHash } from "node:crypto";
import { z } from "zod";
import type { Criterion } from "@tally/shared";
import type { NormalizedUsage } from "@tally/shared/pricing";
import { addUsage, type ChatConfig, type ChatMessage, chatComplete, DEFAULT_CHAT_TIMEOUT_MS, ZERO_USAGE } from "./chat.ts";

export const SCALE = { min: 1, max: 5 } as const;
const PROMPT_VERSION = "judge-v1";

export interface JudgeConfig extends ChatConfig {
  /** Extra judge calls allowed to repair a malformed verdict (default 2). */
  maxRepairs?: number | undefined;
}

export interface Verdict {
  criterion: string;
  score: number;
  rationale: string;
}

export type JudgeResult = {
  judgeModel: string;
  rubricVersion: string;
  calls: number;
  usage: NormalizedUsage;
} & ({ ok: true; verdicts: Verdict[] } | { ok: false; error: string; rawOutput: string });

/** Changes whenever the criteria or the prompt change, so scores from different rubrics never mix silently. */
export function rubricVersion(criteria: readonly Criterion[]): string {
  const hash = createHash("sha256").update(JSON.stringify([PROMPT_VERSION, criteria])).digest("hex");
  return `${PROMPT_VERSION}.${hash.slice(0, 8)}`;
}

function verdictSchema(criteria: readonly Criterion[]) {
  const names = criteria.map((c) => c.name);
  return z
    .object({
      scores: z.array(
        z.object({
          criterion: z.string(),
          score: z.number().int().min(SCALE.min).max(SCALE.max),
          rationale: z.string().min(1).max(2000),
        }),
      ),
    })
    .superRefine((v, ctx) => {
      const got = v.scores.map((s) => s.criterion);
      for (const n of names) {
        if (got.filter((g) => g === n).length !== 1) {
          ctx.addIssue({ code: "custom", path: ["scores"], message: `give exactly one score for "${n}"` });
        }
      }
      for (const g of got) {
        if (!names.includes(g)) ctx.addIssue({ code: "custom", path: ["scores"], message: `unknown criterion "${g}"` });
      }
    });
}

function prompt(criteria: readonly Criterion[], response: string, input: string | undefined): ChatMessage[] {
  const list = criteria.map((c) => `- ${c.name}: ${c.description}`).join("\n");
  return [
    {
      role: "system",
      content:
        `You are a strict evaluator of AI assistant responses. Rate the response on each criterion with an ` +
        `integer from ${SCALE.min} (very poor) to ${SCALE.max} (excellent).\nCriteria:\n${list}\n` +
        `Reply with only a JSON object: {"scores":[{"criterion":"<name>","score":<int>,"rationale":"<one or two sentences>"}]}`,
    },
    {
      role: "user",
      content: `${input ? `User request:\n${input}\n\n` : ""}Response to evaluate:\n${response}`,
    },
  ];
}

/** Parses the judge's reply; returns the zod/JSON problem as text, for the repair prompt. */
function parseVerdict(schema: ReturnType<typeof verdictSchema>, content: string): Verdict[] | string {
  const json = content.trim().replace(/^```(?:json)?\s*|\s*```$/g, "");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data.scores;
  return parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

/** The most calls one judging makes: the first and the repairs. */
const judgeCalls = (config: JudgeConfig): number => 1 + (config.maxRepairs ?? 2);

/** The longest one judging can take: every call to its timeout. */
export function judgeLongestMs(config: JudgeConfig): number {
  return judgeCalls(config) * (config.timeoutMs ?? DEFAULT_CHAT_TIMEOUT_MS);
}

/**
 * Asks the judge, and on a malformed verdict asks again with the problem spelled out, at most
 * `maxRepairs` times. A verdict that never parses is returned as a failure (recorded, not thrown), so a
 * judge emitting garbage cannot put the function into a retry loop; so is a repair call that fails (the
 * replies before it were billed, and are costed). A first call that fails is thrown: the step is retried.
 */
export async function judge(
  config: JudgeConfig,
  criteria: readonly Criterion[],
  response: string,
  input?: string,
): Promise<JudgeResult> {
  const schema = verdictSchema(criteria);
  const messages = prompt(criteria, response, input);
  const base = { judgeModel: config.model, rubricVersion: rubricVersion(criteria) };
  let usage = ZERO_USAGE;
  let problem = "";
  let raw = "";
  const attempts = judgeCalls(config);
  for (let call = 1; call <= attempts; call++) {
    let reply: Awaited<ReturnType<typeof chatComplete>>;
    try {
      reply = await chatComplete(config, messages, { json: true });
    } catch (e) {
      // A repair call that fails after billed replies: end as a failed evaluation with those calls costed
      // (a retry of the step would start over, and the replies already paid for would be counted nowhere).
      if (call === 1) throw e;
      const error = `judge verdict invalid (${problem}), then the repair call failed: ${e instanceof Error ? e.message : String(e)}`;
      return { ...base, ok: false, error, rawOutput: raw, calls: call - 1, usage };
    }
    usage = addUsage(usage, reply.usage);
    raw = reply.content;
    const parsed = parseVerdict(schema, reply.content);
    if (typeof parsed !== "string") return { ...base, ok: true, verdicts: parsed, calls: call, usage };
    problem = parsed;
    messages.push(
      { role: "assistant", content: reply.content },
      { role: "user", content: `That reply was invalid: ${problem}. Reply with only the corrected JSON object.` },
    );
  }
  return { ...base, ok: false, error: `judge verdict invalid after ${attempts} calls: ${problem}`, rawOutput: raw, calls: attempts, usage };
}

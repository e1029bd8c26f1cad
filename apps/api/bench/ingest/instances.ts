/**
 * Ingestion by API instances: `processes` Tally servers in processes of their own (test/server-process.ts,
 * as `npm start` runs them) on one database, fed deferred track-ai-costs deliveries through the real serve()
 * handler, `concurrency` in flight in all, dealt to the servers in turn. Wall-clock deliveries per second:
 * the figure a deployment sees (the machine's other load counts too: compare phases of one run).
 */
import { connect } from "@tally/shared/db";
import { startWriter } from "../../test/two-writers-load.ts";

export interface InstancesResult {
  processes: number;
  deliveries: number;
  secs: number;
  perSecond: number;
}

const MODELS = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-20250514", "acme-llm-unpriced"];

export async function ingestByInstances(url: string, o: { processes: number; deliveries: number; warmup: number; concurrency: number }): Promise<InstancesResult> {
  const db = await connect({ url }); // migrated once here, so the servers start on a ready schema
  const writers = await Promise.all(Array.from({ length: o.processes }, () => startWriter(url)));
  try {
    const drive = async (prefix: string, count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: o.concurrency }, async () => {
          while (next < count) {
            const i = next++;
            const input = { model: MODELS[i % MODELS.length]!, promptTokens: 1000 + (i % 500), completionTokens: 100 + (i % 50), customerId: `cust-${i % 50}` };
            const out = await writers[i % writers.length]!.executor.runDeferred(
              { fnSlug: "tally-track-ai-costs", input },
              { fnSlug: "tally-bench-parent", runId: `${prefix}-p-${i}` },
              { runId: `${prefix}-r-${i}`, maxAttempts: 1 },
            );
            if (out.status !== "completed") throw new Error(`${prefix} delivery ${i} failed: ${JSON.stringify(out.error)}`);
          }
        }),
      );
    };
    await drive("warm", o.warmup);
    const t0 = performance.now();
    await drive("run", o.deliveries);
    const secs = (performance.now() - t0) / 1000;
    const rows = Number((await db.selectFrom("usage_costs").select((e) => e.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);
    if (rows !== o.warmup + o.deliveries) throw new Error(`expected ${o.warmup + o.deliveries} usage rows, found ${rows}`);
    return { processes: o.processes, deliveries: o.deliveries, secs, perSecond: o.deliveries / secs };
  } finally {
    await Promise.all(writers.map((w) => w.stop()));
    await db.destroy();
  }
}

import { createServer } from "node:http";
import type { RunOptions } from "./executor.ts";
import { type FakeServer, fakeChatServer, verdict } from "./fake-servers.ts";
import type { Tally } from "./harness.ts";

/**
 * Shared by the review-* tests: a loopback judge whose tone score follows the response (`tone:<n>` in it),
 * a loopback Inngest event API that records what `inngest.send` sends, and one score delivery through the
 * real serve() handler.
 */

/** A judge rating helpfulness 4, accuracy 5 and tone as the response says (`tone:2` → 2; default 4). */
export function toneJudge(): Promise<FakeServer> {
  return fakeChatServer((body) => {
    const text = JSON.stringify(body.messages ?? "");
    const tone = Number(/tone:(\d)/.exec(text)?.[1] ?? 4);
    return { content: verdict({ helpfulness: 4, accuracy: 5, tone }), promptTokens: 100, completionTokens: 10 };
  });
}

export interface EventApi {
  url: string;
  /** Every event sent (`POST /e/<key>`), in order. */
  events: { name: string; data: Record<string, unknown>; id?: string; ts?: number }[];
  close(): Promise<void>;
}

/** Inngest's event API as the SDK's `send` expects it: `POST /e/<key>` → `{ ids, status: 200 }`. */
export async function fakeEventApi(): Promise<EventApi> {
  const events: EventApi["events"] = [];
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    if (req.method !== "POST" || !req.url?.startsWith("/e/")) {
      res.writeHead(404).end();
      return;
    }
    const sent = JSON.parse(raw) as EventApi["events"];
    events.push(...sent);
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ids: sent.map((_, i) => `evt-${events.length + i}`), status: 200 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, events, close: () => new Promise((r) => server.close(() => r())) };
}

/** A loopback URL nothing listens on: an Inngest engine that is not there. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(() => r(undefined)));
  return `http://127.0.0.1:${port}`;
}

/** An Inngest event API that accepts connections and never answers (a hung engine or proxy); close() drops them. */
export async function silentEventApi(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  const sockets = new Set<import("node:net").Socket>();
  let requests = 0;
  const server = createServer(() => {
    requests++;
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    requests: () => requests,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export interface ReviewedRun {
  parentRunId: string;
  /** `tone:<n>` goes into the response, so toneJudge scores tone n. */
  tone?: number;
  model?: string;
  customerId?: string;
  idempotencyKey?: string;
  /** The deferred run id; default `score-<parentRunId>`. */
  runId?: string;
  ts?: number;
}

/** One deferred score run to completion (or to a wait the test resumes with `onWaitForEvent`). */
export function deliverReviewedScore(tally: Tally, run: ReviewedRun, opts: Pick<RunOptions, "onWaitForEvent"> = {}) {
  const input = {
    input: "Where is my refund?",
    response: `A refund is on its way. tone:${run.tone ?? 4}`,
    model: run.model ?? "gpt-4o",
    ...(run.customerId ? { customerId: run.customerId } : {}),
    ...(run.idempotencyKey ? { idempotencyKey: run.idempotencyKey } : {}),
  };
  return tally.executor.runDeferred(
    { fnSlug: "tally-score-agent-output", input },
    { fnSlug: "tally-handle-support-ticket", runId: run.parentRunId },
    { runId: run.runId ?? `score-${run.parentRunId}`, ts: run.ts ?? Date.now(), ...opts },
  );
}

class StillWaiting extends Error {}

/** Delivers a score run and leaves it waiting for its review, as the engine would for up to 7 days: the item stays pending. */
export async function deliverAndLeaveWaiting(tally: Tally, run: ReviewedRun): Promise<void> {
  try {
    const out = await deliverReviewedScore(tally, run, {
      onWaitForEvent: () => {
        throw new StillWaiting();
      },
    });
    throw new Error(`expected ${run.parentRunId} to wait for a review, got ${JSON.stringify(out.result ?? out.error)}`);
  } catch (e) {
    if (!(e instanceof StillWaiting)) throw e;
  }
}

import { useSyncExternalStore } from "react";
import { httpStatusOf } from "./auth-redirect.ts";

/**
 * Whether the API answers, learned from the dashboard's own queries (no extra polling): the first query
 * that fails for want of a server marks the API offline, the next answer marks it back online.
 */
export interface ApiHealth {
  offline: boolean;
  /** While offline: when the API last answered (epoch ms), i.e. how old the figures on screen are; null if it never did. */
  since: number | null;
}

/**
 * A failure with no HTTP answer, or a proxy's "upstream down"; an error the API itself sent (400, 500, and
 * 401 "sign in" or 403 "not your role") is not an outage.
 */
export function isOutage(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status === undefined || status === 502 || status === 503 || status === 504;
}

let lastAnswerAt: number | null = null;
let state: ApiHealth = { offline: false, since: null };
const listeners = new Set<() => void>();

function set(next: ApiHealth): void {
  state = next;
  for (const l of listeners) l();
}

/** Wired to the QueryCache's onSuccess / onError (see makeQueryClient). Listeners hear only a change of state. */
export const apiHealth = {
  answered(now = Date.now()): void {
    lastAnswerAt = now;
    if (state.offline) set({ offline: false, since: null });
  },
  failed(error: unknown): void {
    if (isOutage(error) && !state.offline) set({ offline: true, since: lastAnswerAt });
  },
  get: (): ApiHealth => state,
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useApiHealth(): ApiHealth {
  return useSyncExternalStore(apiHealth.subscribe, apiHealth.get, apiHealth.get);
}

import { Inngest } from "inngest";

export const APP_ID = "tally";

export interface InngestConfig {
  /** Dev mode talks to a local Dev Server and needs no signing key. */
  isDev: boolean;
  eventKey?: string | undefined;
  /** Inngest API/event base URL (self-hosted or a Dev Server elsewhere). */
  baseUrl?: string | undefined;
  /** Verifies that requests come from Inngest (required outside dev mode); the fallback serves key rotation. */
  signingKey?: string | undefined;
  signingKeyFallback?: string | undefined;
}

export function createInngest(config: InngestConfig) {
  return new Inngest({
    id: APP_ID,
    isDev: config.isDev,
    ...(config.eventKey ? { eventKey: config.eventKey } : {}),
    ...(config.baseUrl ? { baseUrl: config.baseUrl } : {}),
    ...(config.signingKey ? { signingKey: config.signingKey } : {}),
    ...(config.signingKeyFallback ? { signingKeyFallback: config.signingKeyFallback } : {}),
  });
}

export type TallyInngest = ReturnType<typeof createInngest>;

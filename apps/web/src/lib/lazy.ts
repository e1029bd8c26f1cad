import { type ComponentProps, type ComponentType, createElement, lazy, type ReactElement } from "react";

/** Waits before each new attempt to fetch a code chunk: three retries, about 3.5 s in all. */
export const CHUNK_RETRY_DELAYS_MS = [500, 1_000, 2_000] as const;

/** The error a failed `import()` throws (wording differs per browser), as opposed to a render error. */
export function isChunkLoadError(e: unknown): boolean {
  return e instanceof Error && /dynamically imported module|Importing a module script failed|error loading dynamically imported|Unable to preload CSS/i.test(e.message);
}

async function importWithRetries<T>(load: () => Promise<T>): Promise<T> {
  for (const delay of CHUNK_RETRY_DELAYS_MS) {
    try {
      return await load();
    } catch (e) {
      if (!isChunkLoadError(e)) throw e;
      await new Promise((ok) => setTimeout(ok, delay));
    }
  }
  return load();
}

const failedLoads = new Set<() => void>();

/**
 * `React.lazy` that survives an unreachable server: a failed chunk is fetched again a few times with
 * backoff; if it still fails the error reaches the nearest error boundary, and `retryFailedChunks` (called
 * when that boundary resets) lets the next render start a fresh load. React.lazy alone remembers a
 * failure until a full reload.
 */
// biome-ignore lint/suspicious/noExplicitAny: the constraint React.lazy itself declares (a component of any props)
export function retryableLazy<T extends ComponentType<any>>(load: () => Promise<{ default: T }>): (props: ComponentProps<T>) => ReactElement {
  const fresh = () =>
    lazy(() =>
      importWithRetries(load).catch((e: unknown) => {
        failedLoads.add(renew);
        throw e;
      }),
    );
  const renew = () => {
    current = fresh();
  };
  let current = fresh();
  // biome-ignore lint/correctness/noComponentHookFactories: made once per page at module level, as React.lazy makes its component
  return function Retryable(props: ComponentProps<T>) {
    return createElement(current, props);
  };
}

/** Gives every chunk whose load failed a fresh load on its next render. */
export function retryFailedChunks(): void {
  for (const renew of failedLoads) renew();
  failedLoads.clear();
}

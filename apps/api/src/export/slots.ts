/**
 * Exports running at once. An export reads page after page for as long as its file takes (seconds, or minutes
 * for a big customer's line items), and each page holds a database connection (SQLite's one, or one of the
 * pool's) while it reads: unbounded, a few parallel downloads by one user slow every other request 100×. So
 * each user or API key runs at most `perPrincipal` at once, and the server at most `total`; another is a 429
 * with Retry-After, before any row is read.
 */
export const EXPORT_LIMITS = { perPrincipal: 2, total: 3 } as const;

export class ExportSlots {
  private running = 0;
  private readonly byPrincipal = new Map<string, number>();

  constructor(private readonly limits: { perPrincipal: number; total: number } = EXPORT_LIMITS) {}

  /** Why `principal` may not start an export now, or null (the dashboard asks before a download: `GET /api/export/slots`). */
  refusal(principal: string): string | null {
    const mine = this.byPrincipal.get(principal) ?? 0;
    if (mine >= this.limits.perPrincipal) return `${mine} of your exports are still running (at most ${this.limits.perPrincipal} at once): try again when one finishes`;
    if (this.running >= this.limits.total) return `the server is writing ${this.running} exports (at most ${this.limits.total} at once): try again in a moment`;
    return null;
  }

  /** A slot for `principal` (its release, to call once the export ends), or why there is none. */
  take(principal: string): { release: () => void } | { refused: string } {
    const refused = this.refusal(principal);
    if (refused) return { refused };
    const mine = this.byPrincipal.get(principal) ?? 0;
    this.running++;
    this.byPrincipal.set(principal, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        const left = (this.byPrincipal.get(principal) ?? 1) - 1;
        if (left > 0) this.byPrincipal.set(principal, left);
        else this.byPrincipal.delete(principal);
      },
    };
  }
}

import { Component, type ReactNode } from "react";
import { isChunkLoadError, retryFailedChunks } from "../lib/lazy.ts";

/** How often a page whose code could not be downloaded asks whether the server answers again. */
const PROBE_MS = 5_000;

interface Props {
  /** A new value (another page, or a click on a nav link) clears a caught error and renders the page again. */
  resetKey: string;
  children: ReactNode;
}

/**
 * Catches what a page throws while rendering (a code chunk the server could not send, data the page
 * cannot draw) so that the header, the navigation and the other pages stay usable. While a page's code could not
 * be downloaded (an outage), the server is asked every few seconds whether it answers again (`/healthz`), and
 * then the page is fetched again: the dashboard comes back by itself.
 */
export class PageBoundary extends Component<Props, { error: unknown }> {
  override state: { error: unknown } = { error: null };
  private probe: ReturnType<typeof setInterval> | null = null;

  override componentWillUnmount() {
    this.stopProbe();
  }

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidUpdate(prev: Props) {
    if (this.state.error !== null && prev.resetKey !== this.props.resetKey) this.retry();
    else if (isChunkLoadError(this.state.error) && this.probe === null) this.probe = setInterval(() => void this.retryWhenServerAnswers(), PROBE_MS);
  }

  private async retryWhenServerAnswers(): Promise<void> {
    const answered = await fetch("/healthz", { cache: "no-store" }).then(
      (r) => r.ok,
      () => false,
    );
    if (answered && isChunkLoadError(this.state.error)) this.retry();
  }

  private stopProbe(): void {
    if (this.probe !== null) clearInterval(this.probe);
    this.probe = null;
  }

  retry = () => {
    this.stopProbe();
    retryFailedChunks();
    this.setState({ error: null });
  };

  override render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    const chunk = isChunkLoadError(error);
    return (
      <div className="state state-error page-error" role="alert" data-page-error={chunk ? "chunk" : "render"}>
        <h1 className="page-error-title">{chunk ? "This page could not be downloaded from the server." : "This page failed to render."}</h1>
        <span className="muted">{error instanceof Error ? error.message : String(error)}</span>
        <div className="row">
          <button type="button" className="primary" onClick={this.retry}>
            Try again
          </button>
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      </div>
    );
  }
}

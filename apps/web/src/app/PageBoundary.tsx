import { Component, type ReactNode } from "react";
import { isChunkLoadError, retryFailedChunks } from "../lib/lazy.ts";

interface Props {
  /** A new value (another page, or a click on a nav link) clears a caught error and renders the page again. */
  resetKey: string;
  children: ReactNode;
}

/**
 * Catches what a page throws while rendering (a code chunk the server could not send, data the page
 * cannot draw) so that the header, the navigation and the other pages stay usable.
 */
export class PageBoundary extends Component<Props, { error: unknown }> {
  override state: { error: unknown } = { error: null };

  static getDerivedStateFromError(error: unknown) {
    return { error };
  }

  override componentDidUpdate(prev: Props) {
    if (this.state.error !== null && prev.resetKey !== this.props.resetKey) this.retry();
  }

  retry = () => {
    retryFailedChunks();
    this.setState({ error: null });
  };

  override render() {
    const { error } = this.state;
    if (error === null) return this.props.children;
    const chunk = isChunkLoadError(error);
    return (
      <div className="state state-error page-error" role="alert" data-page-error={chunk ? "chunk" : "render"}>
        <strong>{chunk ? "This page could not be downloaded from the server." : "This page failed to render."}</strong>
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

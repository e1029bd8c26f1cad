import type { ReactNode } from "react";

/** The sign-in and setup pages: no app shell, no data query, one centred card. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-page">
      <section className="auth-card" aria-labelledby="auth-title">
        <p className="auth-brand" aria-hidden="true">
          Tally
        </p>
        <h1 id="auth-title">{title}</h1>
        {children}
      </section>
    </main>
  );
}

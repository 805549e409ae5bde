import type { ReactNode } from "react";

/** The centred card around the login and registration forms. */
export function AuthShell({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-shell" id="main">
      <div className="auth-card">
        <p className="brand">Prompt Portal</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

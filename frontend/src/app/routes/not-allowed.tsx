import { Link } from "@tanstack/react-router";

/** What a signed-in person sees on a page their role does not open. */
export function NotAllowedPage({ title }: { title: string }) {
  return (
    <main className="page page-narrow" id="main">
      <h1>Not allowed</h1>
      <p>
        {title} is only open to administrators. Ask an administrator if you need something changed.{" "}
        <Link to="/">Go to the dashboard</Link>.
      </p>
    </main>
  );
}

import { headers } from "next/headers";

// Per-request: the identity comes from the request headers the proxy set.
export const dynamic = "force-dynamic";

export default async function Dashboard() {
  const incoming = await headers();
  // Set by portcullis/next after it verified the session; client-sent copies are stripped.
  const email = incoming.get("x-portcullis-email");
  return (
    <main>
      <h1>Dashboard</h1>
      <p>
        Signed in as <strong id="email">{email}</strong>
      </p>
      <form method="post" action="/auth/sign-out">
        <button type="submit">Sign out</button>
      </form>
    </main>
  );
}

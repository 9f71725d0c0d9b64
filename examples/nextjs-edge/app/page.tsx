export default function Home() {
  return (
    <main>
      <h1>Portcullis + Next.js</h1>
      <p>This page is public. The dashboard is not.</p>
      <p>
        <a href="/dashboard">Open the dashboard</a>
      </p>
    </main>
  );
}

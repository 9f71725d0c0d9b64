import type { ReactNode } from "react";

export const metadata = { title: "Portcullis + Next.js" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: "system-ui, sans-serif", margin: "3rem auto", maxWidth: "36rem" }}>{children}</body>
    </html>
  );
}

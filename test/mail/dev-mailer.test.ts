import { afterEach, describe, expect, test, vi } from "vitest";
import { devMailer } from "../../src/mail/dev-mailer.js";
import { inboxPage } from "../../src/mail/inbox-page.js";
import { magicLinkMessage } from "../../src/mail/messages.js";
import type { MailMessage } from "../../src/ports/mailer.js";

function message(n: number, extra: Partial<MailMessage> = {}): MailMessage {
  return { to: `u${n}@example.com`, subject: `s${n}`, text: `see https://app.example/auth/magic-link?token=t${n} now`, html: "<p>x</p>", kind: "magic_link", ...extra };
}

afterEach(() => vi.restoreAllMocks());

describe("devMailer", () => {
  test("keeps the last N messages (copies), oldest first; clear empties it", async () => {
    const mailer = devMailer({ console: false, limit: 3 });
    for (let i = 1; i <= 5; i++) await mailer.send(message(i));
    expect(mailer.messages().map((m) => m.to)).toEqual(["u3@example.com", "u4@example.com", "u5@example.com"]);
    (mailer.messages()[0] as MailMessage).to = "changed";
    expect(mailer.messages()[0]!.to).toBe("u3@example.com");
    mailer.clear();
    expect(mailer.messages()).toEqual([]);
  });

  test("prints one line per message with the link (development only), and nothing with console: false", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    await devMailer().send(message(1, { subject: "hi\nforged line" }));
    expect(log).toHaveBeenCalledTimes(1);
    const line = String(log.mock.calls[0]![0]);
    expect(line).toBe('[portcullis dev mail] magic_link to u1@example.com: "hi forged line" https://app.example/auth/magic-link?token=t1');
    await devMailer({ console: false }).send(message(2));
    expect(log).toHaveBeenCalledTimes(1);
  });
});

describe("inboxPage", () => {
  test("lists messages newest first, escaped, with links clickable and no referrer", async () => {
    const mailer = devMailer({ console: false });
    await mailer.send(message(1));
    await mailer.send(magicLinkMessage({ to: "ada@example.com", link: "https://app.example/auth/magic-link?token=abc", appName: "<i>Acme</i>", expiresInMinutes: 10 }));
    await mailer.send(message(3, { subject: `<script>alert(1)</script>`, text: `go "https://x.example/?a=1&b=<2>" or javascript:alert(1)` }));
    const response = inboxPage(mailer);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<i>Acme");
    expect(html).toContain("&#60;script&#62;alert(1)&#60;/script&#62;");
    expect(html).toContain('<a href="https://app.example/auth/magic-link?token=abc" rel="noreferrer">https://app.example/auth/magic-link?token=abc</a>');
    expect(html).toContain('<a href="https://x.example/?a=1&#38;b=" rel="noreferrer">');
    expect(html).not.toContain('href="javascript');
    expect(html.indexOf("u3@example.com")).toBeLessThan(html.indexOf("u1@example.com"));
  });

  test("an empty inbox says so", async () => {
    expect(await inboxPage(devMailer({ console: false })).text()).toContain("No messages yet.");
  });
});

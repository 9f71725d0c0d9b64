import { describe, expect, test } from "vitest";
import { escapeHtml } from "../../src/core/http/escape-html.js";
import { magicLinkMessage, signUpConflictMessage, verifyEmailMessage } from "../../src/mail/messages.js";
import { renderTemplate, renderText, singleLine } from "../../src/mail/template.js";

const HOSTILE = `<script>alert("x")</script> & 'quoted' "double" &amp;`;

describe("renderTemplate", () => {
  test("escapes every value: tags, both quotes, ampersands (also already-escaped ones)", () => {
    const html = renderTemplate(`<p title="{{v}}">{{v}}</p>`, { v: HOSTILE });
    expect(html).toBe(
      `<p title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quoted&#39; &#34;double&#34; &#38;amp;">` +
        `&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#39;quoted&#39; &#34;double&#34; &#38;amp;</p>`,
    );
    expect(html).not.toContain("<script");
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe("a&#38;b&#60;c&#62;d&#34;e&#39;f");
  });

  test("a value cannot break out of a quoted attribute", () => {
    const html = renderTemplate(`<a href="{{link}}">x</a>`, { link: `https://a.example/" onmouseover="alert(1)` });
    expect(html).toBe(`<a href="https://a.example/&#34; onmouseover=&#34;alert(1)">x</a>`);
  });

  test("a value is inserted once: placeholders inside values are not expanded", () => {
    expect(renderTemplate("{{a}} {{b}}", { a: "{{b}}", b: "B" })).toBe("{{b}} B");
  });

  test("a missing value throws instead of mailing a literal placeholder; inherited keys do not count", () => {
    expect(() => renderTemplate("Hi {{name}}", {})).toThrow(/"name" is missing/);
    expect(() => renderTemplate("{{toString}}", {})).toThrow(/missing/);
  });

  test("control characters are dropped from values (no forged lines), text keeps newlines from the template", () => {
    expect(renderText("a {{v}}\nb", { v: "x\r\ny\u0000z" })).toBe("a x\nyz\nb");
    expect(renderText("{{v}}", { v: HOSTILE })).toBe(HOSTILE); // text bodies are not HTML
    expect(singleLine("Sign in\r\nBcc: eve@evil.test")).toBe("Sign in Bcc: eve@evil.test");
  });
});

describe("the three messages", () => {
  const link = "https://app.example/auth/magic-link?token=abc&x=\"1\"";

  test("magic link: text and html, the link escaped in html and verbatim in text", () => {
    const message = magicLinkMessage({ to: "ada@example.com", link, appName: "<b>Acme</b> & Co", expiresInMinutes: 10 });
    expect(message).toMatchObject({ to: "ada@example.com", kind: "magic_link", subject: "Sign in to <b>Acme</b> & Co" });
    expect(message.text).toContain(`Sign in: ${link}\n`);
    expect(message.text).toContain("expires in 10 minutes");
    expect(message.html).toContain(`href="https://app.example/auth/magic-link?token=abc&#38;x=&#34;1&#34;"`);
    expect(message.html).toContain("&#60;b&#62;Acme&#60;/b&#62; &#38; Co");
    expect(message.html).not.toContain("<b>");
  });

  test("verify email and the conflict notice; the notice carries no token", () => {
    const verify = verifyEmailMessage({ to: "a@b.example", link, appName: "Acme", expiresInMinutes: 1 });
    expect(verify.kind).toBe("verify_email");
    expect(verify.subject).toBe("Verify your email address for Acme");
    expect(verify.text).toContain("expires in 1 minute.");
    const notice = signUpConflictMessage({ to: "a@b.example", appName: "Acme", signInUrl: "https://app.example/" });
    expect(notice.kind).toBe("sign_up_conflict");
    expect(notice.text).toContain("https://app.example/");
    expect(notice.text + notice.html).not.toContain("token");
  });

  test("a subject stays on one line whatever the app name holds", () => {
    const message = magicLinkMessage({ to: "a@b.example", link, appName: "Acme\r\nBcc: eve@evil.test", expiresInMinutes: 10 });
    expect(message.subject).not.toMatch(/[\r\n]/);
  });
});

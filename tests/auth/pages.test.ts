import { describe, expect, it } from "vitest";
import { AUTH_RESPONSE_HEADERS, renderRefusal } from "../../shared/auth/pages.js";

describe("renderRefusal", () => {
  const page = renderRefusal({
    code: "user_not_provisioned",
    title: "Not <yet>",
    why: `Signed in as "ann"&<script>alert(1)</script>`,
    whatToDo: "Ask your admin.",
  });

  it("answers 403 HTML with the headers of every auth response (the HTTP wrapper adds the security headers)", () => {
    expect(page.status).toBe(403);
    expect(page.headers).toEqual({
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-store",
      "Content-Type": "text/html; charset=utf-8",
    });
    expect(AUTH_RESPONSE_HEADERS["Referrer-Policy"]).toBe("no-referrer");
  });

  it("escapes every value and carries no script", () => {
    expect(page.body).toContain("<title>Not &lt;yet&gt;</title>");
    expect(page.body).toContain("Signed in as &quot;ann&quot;&amp;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page.body).not.toMatch(/<script|\son\w+=/i);
  });

  it("has a title, why, what to do, the code and a Try again link", () => {
    expect(page.body).toMatch(/<h1[^>]*>Not &lt;yet&gt;<\/h1>/);
    expect(page.body).toContain("What to do</h2>\n<p>Ask your admin.</p>");
    expect(page.body).toContain('<a href="/auth/login" style="color: #0f6cbd">Try again</a>');
    expect(page.body).toContain("Reason code: user_not_provisioned");
  });

  it.each([
    ["/auth/login?returnTo=/portal/users", "/auth/login?returnTo=/portal/users"],
    ["//evil.example", "/auth/login"],
    ["/\\evil.example", "/auth/login"],
    ["https://evil.example", "/auth/login"],
  ])("links Try again to %s as %s", (href, expected) => {
    expect(renderRefusal({ code: "x", title: "t", why: "w", whatToDo: "d", tryAgainHref: href }).body).toContain(
      `<a href="${expected.replace(/&/g, "&amp;")}"`,
    );
  });
});

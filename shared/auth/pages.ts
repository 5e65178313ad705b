/**
 * The headers of every response of the sign-in routes (`/auth/*`), HTML page or redirect, that are
 * theirs alone. The HTTP wrapper (shared/http/auth.ts) adds the security headers of every page
 * (Content-Security-Policy, X-Content-Type-Options, Strict-Transport-Security over https).
 */
export const AUTH_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  // The authorization code is in the callback URL: never hand it to another site as a referrer.
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export interface RefusalPage {
  /** Machine-readable reason (also shown on the page so support can search for it). */
  code: string;
  title: string;
  why: string;
  whatToDo: string;
  /** Where "Try again" leads; a same-site path (default: a fresh login). */
  tryAgainHref?: string;
}

export interface HtmlResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A small server-rendered page saying why sign-in was refused and what to do. No script; every value escaped. */
export function renderRefusal(page: RefusalPage, status = 403): HtmlResponse {
  const href = page.tryAgainHref && /^\/(?![/\\])/.test(page.tryAgainHref) ? page.tryAgainHref : "/auth/login";
  const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title></head>
<body style="font-family: 'Segoe UI', system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #242424">
<main>
<h1 style="font-size: 1.5rem; font-weight: 600">${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.why)}</p>
<h2 style="font-size: 1rem; font-weight: 600">What to do</h2>
<p>${escapeHtml(page.whatToDo)}</p>
<p><a href="${escapeHtml(href)}" style="color: #0f6cbd">Try again</a></p>
<p style="color: #616161; font-size: 0.85rem">Reason code: ${escapeHtml(page.code)}</p>
</main>
</body>
</html>
`;
  return { status, headers: { ...AUTH_RESPONSE_HEADERS, "Content-Type": "text/html; charset=utf-8" }, body };
}

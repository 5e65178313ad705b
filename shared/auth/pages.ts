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

/**
 * The stylesheet of the server-rendered pages (sign-in refusals, the invite page, the development
 * provider's sign-in page): the portal's look (Fluent UI's web themes: Segoe UI, neutral
 * backgrounds, the brand blue), light or dark as the system is set, one centred card that fits a
 * phone. A `<style>` element: the page CSP allows inline style ('unsafe-inline' in style-src) and
 * no inline script.
 */
export const PAGE_CSS = `:root { color-scheme: light dark; --bg: #f5f5f5; --card: #ffffff; --fg: #242424; --fg2: #616161; --stroke: #d1d1d1;
  --brand: #0f6cbd; --brand-hover: #115ea3; --on-brand: #ffffff; --link: #115ea3; --danger: #b10e1c; --input: #ffffff; --subtle: #f5f5f5; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141414; --card: #292929; --fg: #ffffff; --fg2: #d6d6d6; --stroke: #666666;
    --brand: #115ea3; --brand-hover: #0f6cbd; --on-brand: #ffffff; --link: #479ef5; --danger: #f1707b; --input: #1f1f1f; --subtle: #1f1f1f; }
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { min-height: 100vh; background: var(--bg); color: var(--fg); font: 14px/20px "Segoe UI", "Segoe UI Web (West European)", -apple-system, BlinkMacSystemFont, Roboto, "Helvetica Neue", sans-serif; }
main { max-width: 36rem; margin: 10vh auto 2rem; padding: 2rem; background: var(--card); border-radius: 8px; box-shadow: 0 0 2px rgba(0,0,0,.12), 0 8px 16px rgba(0,0,0,.14); overflow-wrap: anywhere; }
@media (max-width: 640px) { main { margin: 0; min-height: 100vh; border-radius: 0; padding: 1.25rem 1rem; box-shadow: none; } }
.product { margin: 0 0 1rem; color: var(--fg2); font-size: 12px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; }
h1 { margin: 0 0 .75rem; font-size: 28px; line-height: 36px; font-weight: 600; }
h2 { margin: 1.5rem 0 .5rem; font-size: 16px; line-height: 22px; font-weight: 600; }
p { margin: 0 0 .75rem; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible { outline: 2px solid var(--fg); outline-offset: 2px; }
label { display: block; font-weight: 600; }
input:not([type=hidden]) { display: block; width: 100%; margin-top: .25rem; padding: 5px 10px; min-height: 32px; font: inherit; font-weight: 400; color: var(--fg);
  background: var(--input); border: 1px solid var(--stroke); border-bottom-color: var(--fg2); border-radius: 4px; }
input.mono, code { font-family: Consolas, "Courier New", monospace; }
button, .button { display: inline-block; min-height: 32px; padding: 5px 16px; font: inherit; font-weight: 600; border-radius: 4px; cursor: pointer; text-decoration: none;
  color: var(--on-brand); background: var(--brand); border: 1px solid transparent; }
button:hover, .button:hover { background: var(--brand-hover); }
button.secondary { width: 100%; text-align: left; font-weight: 400; color: var(--fg); background: var(--card); border-color: var(--stroke); }
button.secondary:hover { background: var(--subtle); }
button.secondary small { display: block; color: var(--fg2); }
.alert { color: var(--danger); font-weight: 600; }
.note { color: var(--fg2); font-size: 12px; line-height: 16px; }
form.pick { margin: .5rem 0; }`;

/** The portal's favicon, served with the portal build (portal/public/favicon.svg, the same bytes). */
const FAVICON_HREF = "/portal/favicon.svg";
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#0f6cbd"/><circle cx="16" cy="12" r="5" fill="#fff"/><path d="M7 26c0-5 4-8 9-8s9 3 9 8z" fill="#fff"/></svg>
`;

/**
 * A server-rendered page in the portal's look: `title` (escaped) and `main`, HTML the caller has
 * escaped. `head` adds elements to <head> (a script file, never inline script); `favicon` is the
 * icon's address (another origin serves its own).
 */
export function renderPage(input: { title: string; main: string; head?: string; favicon?: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(input.title)}</title>
<link rel="icon" type="image/svg+xml" href="${escapeHtml(input.favicon ?? FAVICON_HREF)}">
<style>${PAGE_CSS}</style>${input.head ?? ""}</head>
<body>
<main>
${input.main}
</main>
</body>
</html>
`;
}

/** A small server-rendered page saying why sign-in was refused and what to do. No script; every value escaped. */
export function renderRefusal(page: RefusalPage, status = 403): HtmlResponse {
  const href = page.tryAgainHref && /^\/(?![/\\])/.test(page.tryAgainHref) ? page.tryAgainHref : "/auth/login";
  const body = renderPage({
    title: page.title,
    main: `<p class="product">Admin portal</p>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.why)}</p>
<h2>What to do</h2>
<p>${escapeHtml(page.whatToDo)}</p>
<p><a class="button" href="${escapeHtml(href)}">Try again</a></p>
<p class="note">Reason code: ${escapeHtml(page.code)}</p>`,
  });
  return { status, headers: { ...AUTH_RESPONSE_HEADERS, "Content-Type": "text/html; charset=utf-8" }, body };
}

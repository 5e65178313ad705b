import { escapeHtml } from "../shared/auth/pages.js";
import { authFunction } from "../shared/http/auth.js";
import { pageContentSecurityPolicy } from "../shared/http/security-headers.js";

/**
 * GET /auth/invite: the page an invite link opens (`/auth/invite#scimfinv_...`). The code is in
 * the fragment, which the browser never sends to a server; the page's script (a file, no inline
 * script) moves it into a form field, removes it from the address bar, and the person posts the
 * form to POST /auth/login. Without script the code can be pasted into the field.
 */
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Accept your invite</title>
<script src="/auth/invite.js" defer></script></head>
<body style="font-family: 'Segoe UI', system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #242424">
<main>
<h1 style="font-size: 1.5rem; font-weight: 600">Accept your invite</h1>
<p>This invite makes you an administrator of your organization's account. Sign in with your Microsoft work account to accept it; the link works once, within 24 hours.</p>
<form method="post" action="/auth/login">
<p><label>Invite code<br><input id="invite" name="invite" required autocomplete="off" spellcheck="false" pattern="scimfinv_[A-Za-z0-9_\\-]{43}" style="width: 100%; font-family: monospace"></label></p>
<input type="hidden" name="returnTo" value="${escapeHtml("/portal/")}">
<p><button type="submit" style="padding: 0.5rem 1rem; background: #0f6cbd; color: #fff; border: 0; border-radius: 4px">Sign in with Microsoft</button></p>
</form>
</main>
</body>
</html>
`;

/** Reads the code from the fragment into the form and takes it out of the address bar and history. */
const SCRIPT = `"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var code = decodeURIComponent((window.location.hash || "").replace(/^#/, ""));
  if (!code) return;
  var field = document.getElementById("invite");
  if (field) field.value = code;
  history.replaceState(null, "", window.location.pathname);
});
`;

/**
 * The page's Referrer-Policy is same-origin, not the no-referrer of the other /auth/* responses: under
 * no-referrer a browser sends `Origin: null` with a form POST, even to its own site, and POST /auth/login
 * (rightly) refuses a form without this site's Origin. Nothing secret is in this page's address (the code
 * is in the fragment, which is never part of a referrer, and the script removes it), and same-origin sends
 * no referrer to another site.
 *
 * Its CSP's `form-action` also allows the identity provider's origin (ENTRA_AUTHORITY's): the form's
 * POST is answered with a 303 to the provider's authorize endpoint, and browsers check `form-action`
 * on every redirect of a form's navigation.
 */
export const invitePage = authFunction("auth-invite", { methods: ["GET"], route: "auth/invite" }, async (_request, svc) => {
  const authority = svc.config.signIn?.authority;
  return {
    status: 200,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Referrer-Policy": "same-origin",
      "Content-Security-Policy": pageContentSecurityPolicy(authority ? [new URL(authority).origin] : []),
    },
    body: PAGE,
  };
});

export const inviteScript = authFunction("auth-invite-script", { methods: ["GET"], route: "auth/invite.js" }, async () => ({
  status: 200,
  headers: { "Content-Type": "text/javascript; charset=utf-8" },
  body: SCRIPT,
}));

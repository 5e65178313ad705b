import { escapeHtml, renderPage } from "../shared/auth/pages.js";
import { authFunction } from "../shared/http/auth.js";
import { pageContentSecurityPolicy } from "../shared/http/security-headers.js";

/**
 * GET /auth/invite: the page an invite link opens (`/auth/invite#scimfinv_...`). The code is in
 * the fragment, which the browser never sends to a server; the page's script (a file, no inline
 * script) moves it into a form field, removes it from the address bar, and the person posts the
 * form to POST /auth/login. Without script the code can be pasted into the field.
 */
const PAGE = renderPage({
  title: "Accept your invite",
  head: `\n<script src="/auth/invite.js" defer></script>`,
  main: `<p class="product">Admin portal</p>
<h1>Accept your invite</h1>
<p>This invite makes you an administrator of your organization's account. Sign in with your Microsoft work account to accept it; the link works once, within 24 hours.</p>
<form method="post" action="/auth/login">
<p><label>Invite code<input id="invite" class="mono" name="invite" required autocomplete="off" spellcheck="false" pattern="scimfinv_[A-Za-z0-9_\\-]{43}"></label></p>
<input type="hidden" name="returnTo" value="${escapeHtml("/portal/")}">
<p><button type="submit">Sign in with Microsoft</button></p>
</form>`,
});

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
export const invitePage = authFunction(
  "auth-invite",
  { methods: ["GET"], route: "auth/invite" },
  async (_request, svc) => {
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
  },
);

export const inviteScript = authFunction(
  "auth-invite-script",
  { methods: ["GET"], route: "auth/invite.js" },
  async () => ({
    status: 200,
    headers: { "Content-Type": "text/javascript; charset=utf-8" },
    body: SCRIPT,
  }),
);

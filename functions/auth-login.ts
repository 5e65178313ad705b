import { SignInError } from "../shared/auth/id-token.js";
import { startLogin } from "../shared/auth/login-flow.js";
import { authFunction, loginContext, publicBaseUrl, rateLimit, readForm, redirect } from "../shared/http/auth.js";

/**
 * GET /auth/login?returnTo=/portal/...: starts the OIDC code flow; 302 to the provider. An invite
 * never travels in this URL (URLs reach logs): `/auth/invite` posts it to POST /auth/login instead.
 */
export const login = authFunction(
  "auth-login",
  { methods: ["GET"], route: "auth/login" },
  async (request, svc, now) => {
    rateLimit(svc, request, now);
    if (request.query.has("invite")) {
      throw new SignInError(
        "invite_in_url",
        "Invite codes are not accepted in this address (addresses end up in logs). Open the invite link exactly as you received it: it starts with /auth/invite#.",
        400,
      );
    }
    const { location, setCookie } = await startLogin(await loginContext(svc, request, now), {
      returnTo: request.query.get("returnTo"),
    });
    return redirect(location, [setCookie]);
  },
);

/**
 * POST /auth/login (form: invite, returnTo), from the /auth/invite page: starts the flow through
 * an invite, 303 to the provider. The form must come from this site (Origin), so another site
 * cannot start a sign-in through its own invite in a visitor's browser.
 */
export const loginWithInvite = authFunction(
  "auth-login-invite",
  { methods: ["POST"], route: "auth/login" },
  async (request, svc, now) => {
    rateLimit(svc, request, now);
    const origin = request.headers.get("origin");
    if (!origin || origin !== new URL(publicBaseUrl(svc, request)).origin) {
      throw new SignInError("login_cross_site", "This sign-in form was not sent from this site's invite page.", 403);
    }
    const form = await readForm(request, svc);
    const invite = form.get("invite")?.trim().replace(/^#/, "");
    if (!invite)
      throw new SignInError(
        "invite_unknown",
        "The form carries no invite code; open the invite link exactly as you received it.",
        400,
      );
    const { location, setCookie } = await startLogin(await loginContext(svc, request, now), {
      returnTo: form.get("returnTo"),
      invite,
    });
    return redirect(location, [setCookie], 303);
  },
);

import { createSession } from "../shared/auth/browser-sessions.js";
import { finishLogin } from "../shared/auth/login-flow.js";
import {
  authFunction,
  loginContext,
  publicBaseUrl,
  rateLimit,
  redirect,
  refusal,
  sessionLifetimes,
} from "../shared/http/auth.js";
import { applySignIn } from "../shared/operations/sign-in.js";

/**
 * GET /auth/callback: finishes the code flow (pending login, binding cookie, code redemption, ID
 * token), applies the matching rule (and an invite's bootstrap), starts the session and 302s to
 * `returnTo`; or answers the page saying why sign-in was refused and what to do.
 */
export const callback = authFunction(
  "auth-callback",
  { methods: ["GET"], route: "auth/callback" },
  async (request, svc, now) => {
    rateLimit(svc, request, now);
    const ctx = await loginContext(svc, request, now);
    const finished = await finishLogin(ctx, { query: request.query, cookieHeader: request.headers.get("cookie") });
    rateLimit(svc, request, now, finished.claims.tid);
    const result = await applySignIn(svc, finished.claims, finished.inviteId, now);
    if (result.kind === "refused") return refusal(result, 403, [finished.clearCookie]);
    const base = publicBaseUrl(svc, request);
    const { setCookie } = await createSession(svc.sessions, result, now, base, sessionLifetimes(svc));
    return redirect(finished.returnTo, [finished.clearCookie, setCookie]);
  },
);

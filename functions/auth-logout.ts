import { endSession, resolveSession } from "../shared/auth/browser-sessions.js";
import { clearSessionCookie } from "../shared/auth/cookies.js";
import { authFunction, publicBaseUrl, sessionLifetimes, toCookie } from "../shared/http/auth.js";
import { csrfRefusal } from "../shared/http/admin.js";

/** POST /auth/logout: ends the session (Origin and X-CSRF-Token checked); 204 with the cookie cleared. */
export const logout = authFunction(
  "auth-logout",
  { methods: ["POST"], route: "auth/logout" },
  async (request, svc, now) => {
    const base = publicBaseUrl(svc, request);
    const cookieHeader = request.headers.get("cookie");
    const session = await resolveSession(svc.sessions, cookieHeader, now, base, sessionLifetimes(svc));
    if (!session) return { status: 204, cookies: [toCookie(clearSessionCookie(base))] };
    if ("ended" in session) {
      // Already ended for its user: nothing to protect, only the leftover to remove.
      const { setCookie } = await endSession(svc.sessions, cookieHeader, base);
      return { status: 204, cookies: [toCookie(setCookie)] };
    }
    const refused = csrfRefusal(request, session, base);
    if (refused) return refused;
    const { setCookie } = await endSession(svc.sessions, cookieHeader, base);
    return { status: 204, cookies: [toCookie(setCookie)] };
  },
);

import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import Provider, { type KoaContextWithOIDC } from "oidc-provider";
import { escapeHtml, FAVICON_SVG, renderPage } from "../../shared/auth/pages.js";
import { DEV_WORKLOAD_ID } from "./dev-workload.js";

/**
 * A development OpenID provider (panva's oidc-provider, in process) that issues Entra-shaped ID
 * tokens: RS256 with a key generated at start, claims `tid`, `oid`, `preferred_username` and
 * `name`. Its sign-in page lets you pick a person or type one. One fixed issuer (Entra has one per
 * tid): validate with that issuer as the rule, `tid` is still required.
 * Development only: in memory, plain http on 127.0.0.1, every registered client trusted.
 */

export interface DevPerson {
  tid: string;
  oid: string;
  preferredUsername: string;
  name: string;
}

/** The directory every dev person belongs to unless told otherwise. */
export const DEV_TENANT_ID = "00000000-0000-4000-8000-00000000d0e0";

export const DEV_PEOPLE: readonly DevPerson[] = [
  {
    tid: DEV_TENANT_ID,
    oid: "11111111-1111-4111-8111-111111111111",
    preferredUsername: "ann@contoso.dev",
    name: "Ann Lee",
  },
  {
    tid: DEV_TENANT_ID,
    oid: "22222222-2222-4222-8222-222222222222",
    preferredUsername: "bob@contoso.dev",
    name: "Bob Kumar",
  },
  {
    tid: "33333333-3333-4333-8333-333333333333",
    oid: "44444444-4444-4444-8444-444444444444",
    preferredUsername: "eve@fabrikam.dev",
    name: "Eve (another directory)",
  },
];

export interface DevOidc {
  /** The issuer and authority (`{issuer}/.well-known/openid-configuration`). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
      if (body.length > 16_384) reject(new Error("form too large"));
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

/** The page's headers. form-action also covers the redirects after the form post, so it names the clients' origins. */
const pageHeaders = (redirectUris: string[]) => ({
  "Content-Type": "text/html; charset=utf-8",
  "Content-Security-Policy": `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self' ${[...new Set(redirectUris.map((u) => new URL(u).origin))].join(" ")}`,
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
});

function field(name: string, label: string, value: string): string {
  return `<p><label>${escapeHtml(label)}<input class="mono" name="${name}" value="${escapeHtml(value)}" required></label></p>`;
}

function loginPage(uid: string, clientId: string, problem?: string): string {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  const people = DEV_PEOPLE.map(
    (p) => `<form class="pick" method="post" action="${action}">
${(["tid", "oid", "preferredUsername", "name"] as const).map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(p[k])}">`).join("")}
<button type="submit" class="secondary">${escapeHtml(p.name)} &lt;${escapeHtml(p.preferredUsername)}&gt; <small>tid ${escapeHtml(p.tid)}</small></button></form>`,
  ).join("\n");
  return renderPage({
    title: "Development sign-in",
    favicon: "/favicon.svg",
    main: `<p class="product">Development OpenID provider</p>
<h1>Development sign-in</h1>
<p>Signing in to <code>${escapeHtml(clientId)}</code>. This provider is for development only: it trusts whoever you say you are.</p>
${problem ? `<p role="alert" class="alert">${escapeHtml(problem)}</p>` : ""}
<h2>Pick a person</h2>
${people}
<h2>Or type one</h2>
<form method="post" action="${action}">
${field("tid", "Tenant ID (tid)", DEV_TENANT_ID)}${field("oid", "Object ID (oid)", randomUUID())}${field("preferredUsername", "User name (preferred_username)", "someone@contoso.dev")}${field("name", "Name", "Someone New")}
<p><button type="submit">Sign in</button></p>
</form>`,
  });
}

/** A page of the provider that only says what went wrong. */
const problemPage = (title: string, lines: string[]) =>
  renderPage({
    title,
    favicon: "/favicon.svg",
    main: `<h1>${escapeHtml(title)}</h1>\n${lines.map((l) => `<p>${l}</p>`).join("\n")}`,
  });

const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The redirect URIs registered for `redirectUris`: each one, and for one on a loopback host
 * (localhost, 127.0.0.1, [::1]) the same URI on the other loopback names, so that a local host
 * reached at http://127.0.0.1:PORT signs in as it does at http://localhost:PORT. Other hosts are
 * registered as given.
 */
function loopbackRedirectUris(redirectUris: readonly string[]): string[] {
  const all = redirectUris.flatMap((uri) => {
    const url = new URL(uri);
    if (url.protocol !== "http:" || !LOOPBACK_HOSTS.includes(url.hostname)) return [url.href];
    return [url.href, ...LOOPBACK_HOSTS.map((h) => Object.assign(new URL(url.href), { hostname: h }).href)];
  });
  return [...new Set(all)];
}

/**
 * Starts the provider on 127.0.0.1:`port` (0: any free port). `redirectUris` are the callback
 * URLs of the one client it knows (client_secret_post, PKCE required); a loopback one is accepted
 * on every loopback name (loopbackRedirectUris).
 */
export async function startDevOidc(options: {
  port?: number;
  redirectUris: string[];
  clientId?: string;
}): Promise<DevOidc> {
  const redirectUris = loopbackRedirectUris(options.redirectUris);
  const clientId = options.clientId ?? "scim-functions-dev";
  const clientSecret = randomBytes(32).toString("base64url");
  const accounts = new Map<string, DevPerson>();
  // The provider needs the issuer URL, which needs the port: listen first, then install the handler.
  const route: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const server = createServer((req, res) => route.handler!(req, res));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString("hex"), alg: "RS256", use: "sig" };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: { openid: ["sub", "tid", "oid", "preferred_username", "name"] },
    // Entra puts these claims in the ID token of the code flow; so does this provider.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    // The library's defaults, given explicitly: it prints a notice on each first use of a default.
    ttl: { AccessToken: 3600, IdToken: 3600, Interaction: 3600, Session: 14 * 24 * 3600, Grant: 14 * 24 * 3600 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    clientBasedCORS: () => false,
    async findAccount(_ctx, sub) {
      const person = accounts.get(sub);
      if (!person) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            tid: person.tid,
            oid: person.oid,
            preferred_username: person.preferredUsername,
            name: person.name,
          };
        },
      };
    },
    // Every scope the client asks for is granted: no consent page.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope("openid profile");
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = problemPage(
        "Sign-in error",
        Object.entries(out).map(([k, v]) => `<strong>${escapeHtml(k)}</strong>: ${escapeHtml(String(v))}`),
      );
    },
  });
  const callback = provider.callback();
  const PAGE_HEADERS = pageHeaders(redirectUris);

  /**
   * GET /workload-token?sub=&aud=&tid=&jti=&lifetime=: an Entra-shaped token for a workload
   * identity, as Entra presents it to a token endpoint as client_assertion (workload identity
   * federation): RS256 with the provider's key, iss this provider, sub = oid, tid, iat/nbf/exp, and a
   * jti unless jti=none (Entra's own tokens carry uti instead; both are minted, uti always).
   */
  const mintWorkloadToken = async (url: URL, res: ServerResponse) => {
    const sub = url.searchParams.get("sub")?.trim() || DEV_WORKLOAD_ID;
    const aud = url.searchParams.get("aud")?.trim();
    const tid = url.searchParams.get("tid")?.trim() || DEV_TENANT_ID;
    const lifetime = Number(url.searchParams.get("lifetime") ?? 3600);
    if (!aud || !Number.isInteger(lifetime) || lifetime < 1 || lifetime > 86_400) {
      res.writeHead(400, { "Content-Type": "application/json" }).end(
        JSON.stringify({
          error: "give aud (the audience, e.g. api://<client id>) and lifetime in seconds (1 to 86400)",
        }),
      );
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const jti = url.searchParams.get("jti");
    const jwt = new SignJWT({ tid, oid: sub, uti: randomBytes(12).toString("base64url") })
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(aud)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetime);
    if (jti !== "none") jwt.setJti(jti || randomUUID());
    const assertion = await jwt.sign(privateKey);
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(
      JSON.stringify({
        assertion,
        issuer,
        subject: sub,
        audience: aud,
        expiresAt: new Date((now + lifetime) * 1000).toISOString(),
      }),
    );
  };

  route.handler = (req, res) => {
    const requestUrl = new URL(req.url ?? "/", issuer);
    if (requestUrl.pathname === "/workload-token" && req.method === "GET") {
      // Only for this machine's own clients: a page that rebinds a name of its own to 127.0.0.1 sends its own Host.
      if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/i.test(req.headers.host ?? "")) return void res.writeHead(403).end();
      return void mintWorkloadToken(requestUrl, res);
    }
    if (requestUrl.pathname === "/favicon.svg" && req.method === "GET") {
      return void res
        .writeHead(200, {
          "Content-Type": "image/svg+xml",
          "Cache-Control": "public, max-age=300",
          "X-Content-Type-Options": "nosniff",
        })
        .end(FAVICON_SVG);
    }
    const match = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url ?? "/", issuer).pathname);
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.uid !== match[1]) throw new Error("interaction mismatch");
        if (req.method === "GET") {
          res.writeHead(200, PAGE_HEADERS).end(loginPage(details.uid, String(details.params["client_id"] ?? clientId)));
          return;
        }
        if (req.method !== "POST") return void res.writeHead(405).end();
        const form = await readForm(req);
        const person: DevPerson = {
          tid: form.get("tid")?.trim() ?? "",
          oid: form.get("oid")?.trim() ?? "",
          preferredUsername: form.get("preferredUsername")?.trim() ?? "",
          name: form.get("name")?.trim() ?? "",
        };
        if (!GUID.test(person.tid) || !GUID.test(person.oid) || !person.preferredUsername) {
          res
            .writeHead(400, PAGE_HEADERS)
            .end(
              loginPage(details.uid, clientId, "Tenant ID and Object ID must be GUIDs, and the user name must be set."),
            );
          return;
        }
        const accountId = `${person.tid}.${person.oid}`;
        accounts.set(accountId, person);
        await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      } catch {
        if (!res.headersSent)
          res
            .writeHead(400, PAGE_HEADERS)
            .end(problemPage("Sign-in error", ["This sign-in has expired; start again."]));
      }
    })();
  };

  return {
    issuer,
    clientId,
    clientSecret,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Drives a login through the dev provider over HTTP, as a browser would (cookie jar, redirects),
 * choosing `person`, and returns the callback URL (`redirect_uri?code=...&state=...`) without
 * requesting it. For tests and scripts: no browser needed.
 */
export async function completeDevLogin(
  authorizationUrl: string,
  person: DevPerson = DEV_PEOPLE[0]!,
  fetchImpl: typeof fetch = fetch,
): Promise<string> {
  const jar = new Map<string, string>();
  const origin = new URL(authorizationUrl).origin;
  const send = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetchImpl(url, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
    return response;
  };
  let response = await send(authorizationUrl);
  for (let hop = 0; hop < 10; hop++) {
    if (response.status < 300 || response.status >= 400) {
      throw new Error(
        `The dev provider answered ${response.status} instead of a redirect: ${(await response.text()).slice(0, 300)}`,
      );
    }
    const location = new URL(response.headers.get("location")!, response.url || origin).toString();
    if (new URL(location).origin !== origin) return location;
    if (/\/interaction\/[\w-]+$/.test(new URL(location).pathname)) {
      const page = await send(location);
      if (page.status !== 200) throw new Error(`The dev sign-in page answered ${page.status}`);
      await page.text();
      const body = new URLSearchParams({
        tid: person.tid,
        oid: person.oid,
        preferredUsername: person.preferredUsername,
        name: person.name,
      });
      response = await send(location, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
    } else {
      response = await send(location);
    }
  }
  throw new Error("The dev provider redirected too often");
}

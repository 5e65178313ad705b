import { completeDevLogin, DEV_PEOPLE, type DevPerson } from "../../local/host/dev-oidc.js";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI } from "../../shared/operations/context.js";
import { createInvite } from "../../shared/operations/sign-in.js";
import { startTestHost } from "./host.js";

export const [ANN, BOB, EVE] = DEV_PEOPLE as [DevPerson, DevPerson, DevPerson];

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

let ipCounter = 0;
/** A fresh client IP per sign-in, so the per-IP sign-in limit does not trip across a test file. */
export const nextIp = () => `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

/** A browser against the local host: a cookie jar (by name), no automatic redirects. */
export class Browser {
  readonly jar = new Map<string, string>();
  readonly setCookies: string[] = [];
  csrfToken?: string;
  constructor(
    readonly host: RunningHost,
    readonly ip = nextIp(),
  ) {}

  async request(
    method: string,
    path: string,
    options: {
      body?: unknown;
      form?: Record<string, string>;
      headers?: Record<string, string>;
      origin?: string | null;
      csrf?: string | null;
    } = {},
  ): Promise<Reply> {
    const url = path.startsWith("http") ? path : `${this.host.url}${path}`;
    const headers: Record<string, string> = { "x-forwarded-for": this.ip, ...options.headers };
    if (this.jar.size) headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const changing = !["GET", "HEAD"].includes(method);
    const origin = options.origin === undefined ? (changing ? this.host.url : null) : options.origin;
    if (origin) headers.origin = origin;
    const csrf = options.csrf === undefined ? (changing ? this.csrfToken : null) : options.csrf;
    if (csrf) headers["x-csrf-token"] = csrf;
    let body: string | undefined;
    if (options.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(options.form).toString();
    } else if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    }
    const res = await fetch(url, { method, headers, body, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /max-age=0/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  get = (path: string, headers?: Record<string, string>) => this.request("GET", path, { headers });
  post = (path: string, body?: unknown) => this.request("POST", path, { body });
  put = (path: string, body?: unknown) => this.request("PUT", path, { body });
  delete = (path: string) => this.request("DELETE", path);

  /** GET /api/me, keeping its csrfToken. */
  async me(): Promise<Reply> {
    const reply = await this.get("/api/me");
    if (reply.status === 200) this.csrfToken = reply.json.csrfToken;
    return reply;
  }
}

/** A one-time invite for a tenant, as the CLI makes it; returns the code (the link's fragment). */
export async function invite(
  host: RunningHost,
  tenantId: string,
  userName?: string,
): Promise<{ code: string; url: string }> {
  const services = host.services;
  const { url } = await createInvite(
    { tenantId, actor: ADMIN_CLI, now: services.now(), services, baseUrl: "" },
    { publicBaseUrl: host.url, ...(userName ? { userName } : {}) },
  );
  return { url, code: url.split("#")[1]! };
}

/**
 * Signs `person` in through the dev provider, as a browser does: via /auth/invite's form when
 * `inviteCode` is given, else GET /auth/login. Returns the callback's reply (302 or a refusal page).
 */
export async function signIn(
  browser: Browser,
  person: DevPerson,
  options: { inviteCode?: string; returnTo?: string } = {},
): Promise<Reply> {
  const start = options.inviteCode
    ? await browser.request("POST", "/auth/login", {
        form: { invite: options.inviteCode, returnTo: options.returnTo ?? "/portal/" },
      })
    : await browser.get(`/auth/login${options.returnTo ? `?returnTo=${encodeURIComponent(options.returnTo)}` : ""}`);
  if (start.status !== 302 && start.status !== 303) return start;
  const callbackUrl = await completeDevLogin(start.headers.get("location")!, person);
  const reply = await browser.get(callbackUrl);
  if (reply.status === 302) await browser.me();
  return reply;
}

/** A host, and a first Admin (Ann) signed in through an invite. */
export async function startWithAdmin(options: { now?: () => Date; env?: Record<string, string> } = {}) {
  const { host, scim } = await startTestHost(options);
  const tenantId = host.defaultTenant!.id;
  const admin = new Browser(host);
  const { code } = await invite(host, tenantId);
  const reply = await signIn(admin, ANN, { inviteCode: code });
  if (reply.status !== 302)
    throw new Error(`the first Admin's sign-in answered ${reply.status}: ${reply.text.slice(0, 300)}`);
  return { host, scim, tenantId, admin };
}

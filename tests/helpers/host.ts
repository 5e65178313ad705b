import { startHost, type RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI, type Services } from "../../shared/operations/context.js";
import { createToken } from "../../shared/operations/tokens.js";

export interface ScimReply {
  status: number;
  headers: Headers;
  body: any;
}

/** A SCIM client speaking HTTP to the local host, the way Entra does. */
export interface Client {
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimReply>;
  get(path: string): Promise<ScimReply>;
  post(path: string, body: unknown): Promise<ScimReply>;
  put(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimReply>;
  patch(path: string, body: unknown, headers?: Record<string, string>): Promise<ScimReply>;
  delete(path: string): Promise<ScimReply>;
}

export function client(host: RunningHost, token: string | undefined): Client {
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${host.tenantUrl}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/scim+json" } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
  return {
    request,
    get: (p) => request("GET", p),
    post: (p, b) => request("POST", p, b),
    put: (p, b, h) => request("PUT", p, b, h),
    patch: (p, b, h) => request("PATCH", p, b, h),
    delete: (p) => request("DELETE", p),
  };
}

/** Starts the local host on free ports with the embedded store; `now` may be frozen or moved. */
export async function startTestHost(options: { now?: () => Date; env?: Record<string, string> } = {}) {
  const host = await startHost({ port: 0, storePort: 0, env: { ...options.env }, now: options.now, log: () => {} });
  return { host, scim: client(host, host.defaultTenant!.token) };
}

export const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";

export const q = (filter: string) => encodeURIComponent(filter);

/** Entra's create-user body (spec section 4), with a given userName. */
export function entraUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER, ENTERPRISE],
    externalId: `ext-${userName}`,
    userName,
    active: true,
    emails: [{ primary: true, type: "work", value: userName }],
    meta: { resourceType: "User" },
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
    roles: [],
    ...extra,
  };
}

export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

/** Issues a token for a tenant through the same operation the CLI and the portal call (admin actor). */
export function devToken(
  services: Services,
  tenantId: string,
  name: string,
  now: Date,
  options: { expiresAt?: Date; audience?: string; secret?: string } = {},
) {
  return createToken({ tenantId, actor: ADMIN_CLI, now, services, baseUrl: "" }, { name, ...options });
}

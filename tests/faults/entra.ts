import { expect } from "vitest";
import type { RunningHost } from "../../local/host/host.js";
import { ADMIN_CLI, type OperationContext, type Services } from "../../shared/operations/context.js";
import { GROUP, entraUser, patch, q } from "../helpers/host.js";

/**
 * An Entra-like SCIM client for fault tests: it retries 429 and 503 after the Retry-After it is
 * given (a bounded number of times, waiting a millisecond per second asked so tests stay fast), and
 * keeps every answer it saw, so a test can assert that nothing but 2xx, 4xx with a detail, or
 * 429/503 with Retry-After ever reached it.
 */
export interface Seen {
  method: string;
  path: string;
  status: number;
  retryAfter: string | null;
  detail?: string;
}

const MAX_RETRIES = 12;

export function entraClient(host: RunningHost, token: string) {
  const seen: Seen[] = [];
  async function request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${host.tenantUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(body !== undefined ? { "Content-Type": "application/scim+json" } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      const retryAfter = res.headers.get("retry-after");
      seen.push({ method, path, status: res.status, retryAfter, detail: parsed?.detail });
      if ((res.status === 429 || res.status === 503) && retryAfter && attempt < MAX_RETRIES) {
        await new Promise((r) => setTimeout(r, Number(retryAfter)));
        continue;
      }
      return { status: res.status, body: parsed };
    }
  }

  /** Fails the test with the answer when a request did not end as wanted. */
  async function expectStatus(method: string, path: string, body: unknown, ok: number[]) {
    const res = await request(method, path, body);
    if (!ok.includes(res.status))
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res;
  }

  return {
    seen,
    request,
    expectStatus,
    /** Entra's create: look up by the matching attribute, create when absent; a 409 (the create landed, its reply was lost) looks up again. */
    async ensure(type: "Users" | "Groups", attribute: string, value: string, body: unknown): Promise<string> {
      for (let round = 0; round < 5; round++) {
        const found = await expectStatus(
          "GET",
          `/${type}?filter=${q(`${attribute} eq "${value}"`)}${type === "Groups" ? "&excludedAttributes=members" : ""}`,
          undefined,
          [200],
        );
        if (found.body.totalResults === 1) return found.body.Resources[0].id;
        expect(found.body.totalResults).toBe(0);
        const created = await request("POST", `/${type}`, body);
        if (created.status === 201) return created.body.id;
        if (created.status !== 409)
          throw new Error(`POST /${type} answered ${created.status}: ${JSON.stringify(created.body)}`);
      }
      throw new Error(`could not create ${value}`);
    },
    user: (userName: string) => entraUser(userName),
    group: (displayName: string) => ({ schemas: [GROUP], displayName, externalId: `obj-${displayName}` }),
  };
}

/** Every answer a client saw was 2xx, a 4xx with a detail, or 429/503 with Retry-After: never a bare 5xx. */
export function expectOnlyHonestAnswers(seen: Seen[]): void {
  const bad = seen.filter(
    (s) =>
      !(
        s.status < 300 ||
        (s.status >= 400 && s.status < 500 && s.status !== 429 && !!s.detail) ||
        ((s.status === 429 || s.status === 503) && s.retryAfter !== null && !!s.detail)
      ),
  );
  expect(bad).toEqual([]);
}

/** An admin's context (CLI actor), with the clock of the services. */
export const adminCtx = (services: Services, tenantId: string): OperationContext => ({
  tenantId,
  actor: ADMIN_CLI,
  now: services.now(),
  services,
  baseUrl: "",
});

/** Re-runs an admin operation the store refused for now (503/429), as an admin re-runs a command. */
export async function retried<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const name = (error as Error).name;
      if (attempt >= MAX_RETRIES || (name !== "UnavailableError" && name !== "ThrottledError")) throw error;
    }
  }
}

export const addMembers = (ids: string[]) =>
  patch({ op: "Add", path: "members", value: ids.map((value) => ({ $ref: null, value })) });
/** Default dialect: Remove with a value list. */
export const removeMembersDefault = (ids: string[]) =>
  patch({ op: "Remove", path: "members", value: ids.map((value) => ({ value })) });
/** RFC dialect: remove by a value filter in the path. */
export const removeMemberRfc = (id: string) => patch({ op: "remove", path: `members[value eq "${id}"]` });
export const disableDefault = () => patch({ op: "Replace", path: "active", value: "False" });
export const disableRfc = () => patch({ op: "replace", path: "active", value: false });

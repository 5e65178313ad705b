import type { HttpMethod } from "@azure/functions";
import { registrations, type HttpRegistration } from "../functions/registry.js";

/**
 * Route matching as the Functions front end does it, over the registered HTTP functions: the local
 * host routes requests with it, and the SCIM catch-all answers 405 with the Allow header from it.
 */

interface CompiledRoute {
  registration: HttpRegistration;
  segments: string[];
  literals: number;
  catchAll: boolean;
}

let compiled: { count: number; routes: CompiledRoute[] } | undefined;

/** The registered routes, most specific first (literals before parameters, catch-alls last), as the Functions host orders them. */
function routes(): CompiledRoute[] {
  const count = registrations().length;
  if (compiled?.count === count) return compiled.routes;
  const list = registrations("http")
    .map((registration) => {
      const segments = registration.route.split("/").filter(Boolean);
      return {
        registration,
        segments,
        literals: segments.filter((s) => !s.startsWith("{")).length,
        catchAll: segments.some((s) => s.startsWith("{*")),
      };
    })
    .sort(
      (a, b) =>
        Number(a.catchAll) - Number(b.catchAll) || b.literals - a.literals || b.segments.length - a.segments.length,
    );
  compiled = { count, routes: list };
  return list;
}

/** Route templates as the Functions host reads them: case-insensitive literals, {name}, {name?}, {name:maxlength(n)}, {*rest}. */
function match(route: CompiledRoute, parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i]!;
    if (segment.startsWith("{*")) {
      params[segment.slice(2, -1)] = parts.slice(i).join("/");
      return params;
    }
    // {name?} is optional; {name:maxlength(n)} limits its length (the constraints the routes use).
    const optional = segment.endsWith("?}");
    const part = parts[i];
    if (part === undefined) {
      if (optional) continue;
      return undefined;
    }
    if (segment.startsWith("{")) {
      const [name = "", constraint] = segment.slice(1, optional ? -2 : -1).split(":");
      const max = /^maxlength\((\d+)\)$/.exec(constraint ?? "");
      if (max && part.length > Number(max[1])) return undefined;
      params[name] = part;
    } else if (segment.toLowerCase() !== part.toLowerCase()) return undefined;
  }
  return parts.length <= route.segments.length ? params : undefined;
}

/** The function that serves a method on a path (decoded segments), and its route parameters. */
export function findRoute(
  method: string,
  parts: string[],
): { registration: HttpRegistration; params: Record<string, string> } | undefined {
  for (const route of routes()) {
    if (!route.registration.methods.includes(method as HttpMethod)) continue;
    const params = match(route, parts);
    if (params) return { registration: route.registration, params };
  }
  return undefined;
}

/** The methods that specific (non catch-all) routes serve on a path: the Allow header of a 405. */
export function allowedMethods(parts: string[]): HttpMethod[] {
  const methods = new Set<HttpMethod>();
  for (const route of routes())
    if (!route.catchAll && match(route, parts)) for (const m of route.registration.methods) methods.add(m);
  return [...methods];
}

import azureFunctions from "@azure/functions";
import type { HttpHandler, HttpMethod } from "@azure/functions";

/** One HTTP function as registered with the Functions host (route relative to host.json's routePrefix, which is empty). */
export interface Registration {
  name: string;
  methods: HttpMethod[];
  route: string;
  handler: HttpHandler;
}

// Request bodies arrive as streams (Functions host 4.28+), so a body over the limit is refused
// while it arrives, and an unauthenticated request is answered before its body is read.
azureFunctions.app.setup({ enableHttpStream: true });

/** Every HTTP function registered in this process, in order; the local host serves these. */
export const registrations: Registration[] = [];

/** Registers an HTTP function (v4 model) and records it in `registrations`. */
export function registerHttp(registration: Registration): HttpHandler {
  registrations.push(registration);
  azureFunctions.app.http(registration.name, {
    methods: registration.methods,
    route: registration.route,
    authLevel: "anonymous",
    handler: registration.handler,
  });
  return registration.handler;
}

interface CompiledRoute {
  registration: Registration;
  segments: string[];
  literals: number;
  catchAll: boolean;
}

let compiled: { count: number; routes: CompiledRoute[] } | undefined;

/** The registered routes, most specific first (literals before parameters, catch-alls last), as the Functions host orders them. */
function routes(): CompiledRoute[] {
  if (compiled?.count === registrations.length) return compiled.routes;
  const list = registrations
    .map((registration) => {
      const segments = registration.route.split("/").filter(Boolean);
      return { registration, segments, literals: segments.filter((s) => !s.startsWith("{")).length, catchAll: segments.some((s) => s.startsWith("{*")) };
    })
    .sort((a, b) => Number(a.catchAll) - Number(b.catchAll) || b.literals - a.literals || b.segments.length - a.segments.length);
  compiled = { count: registrations.length, routes: list };
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
export function findRoute(method: string, parts: string[]): { registration: Registration; params: Record<string, string> } | undefined {
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
  for (const route of routes()) if (!route.catchAll && match(route, parts)) for (const m of route.registration.methods) methods.add(m);
  return [...methods];
}

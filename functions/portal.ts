import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { registerHttp } from "../shared/functions/registry.js";
import { isHttps, securityHeaders } from "../shared/http/security-headers.js";
import { services } from "../shared/services.js";

/**
 * The admin portal's static files (the portal build in dist/portal, or PORTAL_DIR) at /portal and
 * /portal/{*path}; a path without a file extension that names no file is the single-page app's
 * own route, answered with index.html. GET / redirects to /portal/. Every answer carries the
 * page security headers (securityHeaders: CSP, Referrer-Policy, nosniff, HSTS over https).
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

const portalDir = () => resolve(services().config.portalDir ?? join(packageRoot(), "dist", "portal"));

function file(root: string, path: string): string | undefined {
  const full = resolve(root, path);
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  return existsSync(full) && statSync(full).isFile() ? full : undefined;
}

/** The security headers of a portal response: HSTS when the request is https. */
const headersFor = (request: HttpRequest) =>
  securityHeaders(isHttps(request.url, services().config.publicBaseUrl), "page");

function serve(request: HttpRequest, full: string, index: boolean): HttpResponseInit {
  const hashed = /[.-][A-Za-z0-9_-]{8,}\.(js|css|woff2|png|svg)$/.test(full);
  return {
    status: 200,
    headers: {
      ...headersFor(request),
      "Content-Type": TYPES[extname(full).toLowerCase()] ?? "application/octet-stream",
      "Cache-Control": index ? "no-cache" : hashed ? "public, max-age=31536000, immutable" : "public, max-age=300",
    },
    body: readFileSync(full),
  };
}

const notFound = (request: HttpRequest, detail: string): HttpResponseInit => ({
  status: 404,
  headers: { ...headersFor(request), "Content-Type": "text/plain; charset=utf-8" },
  body: detail,
});

export async function servePortal(request: HttpRequest): Promise<HttpResponseInit> {
  const root = portalDir();
  const path = (request.params.path ?? "").replace(/\\/g, "/");
  if (path.split("/").some((s) => s === "..")) return notFound(request, "Not found.");
  const index = file(root, "index.html");
  if (!index)
    return notFound(
      request,
      `The portal has not been built: no index.html in ${root}. Build the portal into dist/portal (or set PORTAL_DIR).`,
    );
  if (path === "" || path === "index.html") return serve(request, index, true);
  const found = file(root, path);
  if (found) return serve(request, found, false);
  return extname(path) ? notFound(request, `No portal file /portal/${path}.`) : serve(request, index, true);
}

/** /portal and /portal/ (the host treats them alike): index.html. The portal build uses absolute /portal/ asset URLs. */
export const portalRoot = registerHttp({ name: "portal", methods: ["GET"], route: "portal", handler: servePortal });
export const portalFiles = registerHttp({
  name: "portal-files",
  methods: ["GET"],
  route: "portal/{*path}",
  handler: servePortal,
});
export const siteRoot = registerHttp({
  name: "portal-home",
  methods: ["GET"],
  // The site root. An empty route never matches on the Functions host; an optional parameter limited to
  // length 0 does (with routePrefix "" and AzureWebJobsDisableHomepage, both set).
  route: "{root:maxlength(0)?}",
  handler: async (request) => ({ status: 302, headers: { ...headersFor(request), Location: "/portal/" } }),
});

/**
 * A minimal client-side router over the History API: every portal path lives under BASE
 * (the server answers index.html for any /portal/... path).
 */
import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

const BASE = "/portal";

const listeners = new Set<() => void>();
function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}

/** Path inside the portal, e.g. "/users/123" for "/portal/users/123". */
function currentRoute(): string {
  const p = window.location.pathname;
  const inner = p.startsWith(BASE) ? p.slice(BASE.length) : p;
  return inner === "" ? "/" : inner;
}

export function useRoute(): string {
  return useSyncExternalStore(subscribe, currentRoute);
}

/** The query string of the address ("?operation=patch&page=2", or ""): pages keep their filters there, so reload, back and a shared link keep them. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, () => window.location.search);
}

export function href(route: string): string {
  return BASE + route;
}

export function navigate(route: string, options: { replace?: boolean } = {}): void {
  const url = href(route);
  if (options.replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  listeners.forEach((l) => l());
  window.scrollTo(0, 0);
}

/** Matches "/users/:id" against a route; returns the params or null. */
export function match(pattern: string, route: string): Record<string, string> | null {
  const a = pattern.split("/").filter(Boolean);
  const b = route.split("/").filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (const [i, part] of a.entries()) {
    const actual = b[i];
    if (actual === undefined) return null;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}

/** Calls preventDefault and navigates for plain left clicks; lets modified clicks open new tabs. */
export function linkClick(route: string) {
  return (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(route);
  };
}

export type RouteLinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, "href"> & { to: string };

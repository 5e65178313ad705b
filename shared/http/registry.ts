import azureFunctions from "@azure/functions";
import type { HttpHandler, HttpMethod } from "@azure/functions";

/** One HTTP function as registered with the Functions host (route relative to host.json's routePrefix, which is empty). */
export interface Registration {
  name: string;
  methods: HttpMethod[];
  route: string;
  handler: HttpHandler;
}

/** Every HTTP function registered in this process, in order; the local host serves these. */
export const registrations: Registration[] = [];

/** Registers an HTTP function (v4 model) and records it in `registrations`. */
export function registerHttp(registration: Registration): HttpHandler {
  registrations.push(registration);
  azureFunctions.app.http(registration.name, { methods: registration.methods, route: registration.route, authLevel: "anonymous", handler: registration.handler });
  return registration.handler;
}

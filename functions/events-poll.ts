import { pollFunction } from "../shared/http/events.js";

/** POST /events/poll: the RFC 8936 poll endpoint of `poll` subscriptions (Bearer: the subscription's secret). */
export const pollEventFeed = pollFunction("events-poll", "events/poll");

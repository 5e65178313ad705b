import { QueueClient } from "@azure/storage-queue";
import type { TokenCredential } from "@azure/core-auth";
import { JOBS_QUEUE, type JobsConfig } from "../config.js";
import { UnavailableError } from "../store/errors.js";

/**
 * The Storage queue that carries job steps to the queue-triggered worker (functions/jobs-step.ts).
 * Messages are JSON, base64-encoded as the Functions host's queue trigger expects by default
 * (host.json `extensions.queues.messageEncoding`). In Azure the client signs in with the app's
 * managed identity (Storage Queue Data Contributor); locally it uses Azurite's connection string.
 */
export class JobQueue {
  private ready?: Promise<unknown>;

  constructor(
    private readonly client: QueueClient,
    /** Create the queue on first use (local emulator; in Azure the Bicep creates it). */
    private readonly create: boolean,
  ) {}

  /** Sends one message, invisible for `delaySeconds` first. A queue that cannot be reached is UnavailableError (503). */
  async send(body: object, delaySeconds = 0): Promise<void> {
    try {
      if (this.create)
        this.ready ??= this.client
          .createIfNotExists()
          .catch((error) => ((this.ready = undefined), Promise.reject(error)));
      await this.ready;
      await this.client.sendMessage(Buffer.from(JSON.stringify(body), "utf8").toString("base64"), {
        visibilityTimeout: delaySeconds || undefined,
      });
    } catch (error) {
      throw new UnavailableError(
        `the queue ${this.client.name} could not be reached (${(error as { code?: string }).code ?? (error as Error).name})`,
        1000,
      );
    }
  }
}

function lazyDefaultCredential(clientId: string | undefined): TokenCredential {
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import("@azure/identity").then(
        (identity) => new identity.DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {}),
      );
      return (await credential).getToken(scopes, options);
    },
  };
}

/**
 * A queue of the configuration's Storage account (the job steps by default; EVENTS_QUEUE for the
 * event dispatcher), or undefined where none is configured.
 */
export function openJobQueue(queue: JobsConfig["queue"], name: string = JOBS_QUEUE): JobQueue | undefined {
  if (!queue) return undefined;
  if ("connectionString" in queue) return new JobQueue(new QueueClient(queue.connectionString, name), true);
  return new JobQueue(
    new QueueClient(`${queue.serviceUri.replace(/\/+$/, "")}/${name}`, lazyDefaultCredential(queue.clientId)),
    false,
  );
}

import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";
import azureFunctions from "@azure/functions";
import { QueueClient, type DequeuedMessageItem } from "@azure/storage-queue";
import type { QueueRegistration } from "../../shared/functions/registry.js";
import { EVENTS_QUEUE } from "../../shared/config.js";
import { DEFAULT_LOCAL_QUEUE_PORT, azuriteConnectionString } from "./local-queue.js";

/**
 * The local stand-in for the Functions host's Storage queue triggers: Azurite (the Storage
 * emulator) in a child process with in-memory persistence, and a runner that polls each queue a
 * registered function triggers on and invokes its handler the way the host does (message decoded
 * from base64 and parsed as JSON, dequeueCount in the trigger metadata), with host.json's
 * `extensions.queues` settings: batchSize, maxDequeueCount, visibilityTimeout, maxPollingInterval.
 * A handler that throws leaves the message for a later delivery after visibilityTimeout; after
 * maxDequeueCount deliveries it moves to `<queue>-poison`, as the host does.
 */

interface QueueEmulator {
  port: number;
  connectionString: string;
  close(): Promise<void>;
}

/** Starts Azurite's queue service on `port` (0: a free one), in memory; resolves once it listens. */
async function startQueueEmulator(port: number): Promise<QueueEmulator> {
  const main = createRequire(import.meta.url).resolve("azurite/dist/src/queue/main.js");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      "--queueHost",
      "127.0.0.1",
      "--queuePort",
      String(port),
      "--inMemoryPersistence",
      "--silent",
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--loose",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const kill = () => child.kill();
  process.once("exit", kill);
  const listening = await new Promise<number>((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /successfully listens on https?:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("exit", (code) =>
      reject(new Error(`Azurite exited (${code}) before listening: ${out.trim().slice(-500)}`)),
    );
    child.once("error", reject);
  });
  return {
    port: listening,
    connectionString: azuriteConnectionString(listening),
    close: async () => {
      process.off("exit", kill);
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill();
      });
    },
  };
}

/** host.json `extensions.queues`, with the host's defaults. */
export interface QueueSettings {
  batchSize: number;
  maxDequeueCount: number;
  visibilityTimeoutSeconds: number;
  maxPollingIntervalMs: number;
}

const timespan = (text: unknown, fallback: number) => {
  const m = typeof text === "string" ? /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(text) : null;
  return m ? (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000 : fallback;
};

export function queueSettings(hostJson: { extensions?: { queues?: Record<string, unknown> } }): QueueSettings {
  const q = hostJson.extensions?.queues ?? {};
  return {
    batchSize: Number(q.batchSize ?? 16),
    maxDequeueCount: Number(q.maxDequeueCount ?? 5),
    visibilityTimeoutSeconds: timespan(q.visibilityTimeout, 0) / 1000,
    maxPollingIntervalMs: timespan(q.maxPollingInterval, 60_000),
  };
}

interface QueueRunner {
  /** Stops taking messages until `resume` (messages wait in the queue; a handler already running finishes). */
  pause(): Promise<void>;
  resume(): void;
  /** Resolves once every queue is empty and no handler runs (tests wait for background work with this). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** Polls every registered queue and invokes its handler, as the Functions host's queue trigger does. */
function runQueueTriggers(
  connectionString: string,
  registrations: QueueRegistration[],
  settings: QueueSettings,
  log: (line: string) => void,
): QueueRunner {
  let stopped = false;
  let paused = false;
  let busy = 0;
  const stopping = new AbortController();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const abort = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => (stopping.signal.removeEventListener("abort", abort), resolve()), ms);
      stopping.signal.addEventListener("abort", abort, { once: true });
    });
  /** How long a received message stays invisible while its handler runs (the host renews a lease; a step takes seconds). */
  const LEASE_SECONDS = 300;
  const loops = registrations.map(async (registration) => {
    const queue = new QueueClient(connectionString, registration.queueName);
    const poison = new QueueClient(connectionString, `${registration.queueName}-poison`);
    await queue.createIfNotExists();
    let wait = 50;
    /**
     * Messages of this queue whose handler still runs. For the events queue, as the host does, the
     * next batch is fetched once at most newBatchThreshold (host.json: batchSize / 2) still run, so
     * one slow handler (a subscriber that does not answer) does not hold the messages behind it.
     * The jobs queue still takes whole batches one after another: with its steps overlapping,
     * tests/jobs/jobs-under-faults.test.ts fails now and then (a race to look into).
     */
    let running = 0;
    const newBatchThreshold = registration.queueName === EVENTS_QUEUE ? Math.floor(settings.batchSize / 2) : 0;
    while (!stopped) {
      if (paused) {
        await pause(20);
        continue;
      }
      let items: DequeuedMessageItem[];
      try {
        items = (
          await queue.receiveMessages({
            numberOfMessages: Math.min(32, settings.batchSize),
            visibilityTimeout: LEASE_SECONDS,
          })
        ).receivedMessageItems;
      } catch (error) {
        if (stopped) return;
        log(`[${registration.name}] cannot read queue ${registration.queueName}: ${(error as Error).message}`);
        items = [];
      }
      if (items.length === 0) {
        await pause(wait);
        wait = Math.min(wait * 2, settings.maxPollingIntervalMs);
        continue;
      }
      wait = 50;
      busy += items.length;
      running += items.length;
      void Promise.all(
        items.map((item) =>
          (async () => {
            const text = Buffer.from(item.messageText, "base64").toString("utf8");
            let entry: unknown = text;
            try {
              entry = JSON.parse(text);
            } catch {
              // Not JSON: the handler gets the string, as the host does.
            }
            const context = new azureFunctions.InvocationContext({
              invocationId: randomUUID(),
              functionName: registration.name,
              triggerMetadata: {
                id: item.messageId,
                dequeueCount: item.dequeueCount,
                insertionTime: item.insertedOn,
                expirationTime: item.expiresOn,
                nextVisibleTime: item.nextVisibleOn,
                popReceipt: item.popReceipt,
              },
              logHandler: (level, ...args) =>
                level === "error" || level === "warning"
                  ? log(`[${registration.name}] ${args.map(String).join(" ")}`)
                  : undefined,
            });
            try {
              await registration.handler(entry, context);
              await queue.deleteMessage(item.messageId, item.popReceipt);
            } catch (error) {
              log(
                `[${registration.name}] message ${item.messageId} failed (delivery ${item.dequeueCount} of ${settings.maxDequeueCount}): ${(error as Error)?.message ?? error}`,
              );
              if (item.dequeueCount >= settings.maxDequeueCount) {
                await poison.createIfNotExists();
                await poison.sendMessage(item.messageText);
                await queue.deleteMessage(item.messageId, item.popReceipt);
              } else {
                await queue
                  .updateMessage(item.messageId, item.popReceipt, undefined, settings.visibilityTimeoutSeconds)
                  .catch(() => undefined);
              }
            }
          })().finally(() => {
            busy--;
            running--;
          }),
        ),
      ).catch((error) => log(`queue runner error: ${(error as Error).message}`));
      while (running > newBatchThreshold && !stopped) await pause(10);
    }
    while (running > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  });
  return {
    pause: async () => {
      paused = true;
      while (busy > 0) await pause(10);
    },
    resume: () => {
      paused = false;
    },
    idle: async () => {
      for (;;) {
        const counts = await Promise.all(
          registrations.map(
            async (r) =>
              (
                await new QueueClient(connectionString, r.queueName)
                  .getProperties()
                  .catch(() => ({ approximateMessagesCount: 0 }))
              ).approximateMessagesCount ?? 0,
          ),
        );
        if (busy === 0 && counts.every((c) => c === 0)) return;
        await pause(50);
      }
    },
    stop: async () => {
      stopped = true;
      stopping.abort();
      await Promise.allSettled(loops);
    },
  };
}

/** The local host's background jobs: the emulator it started (if any) and the runner of the queue triggers. */
export interface LocalJobs {
  /** The settings that point the services at the queue (added to the host's environment). */
  env: Record<string, string>;
  connectionString?: string;
  /** Starts running the registered queue triggers. */
  run(
    registrations: QueueRegistration[],
    hostJson: object,
    overrides: Partial<QueueSettings> | undefined,
    log: (line: string) => void,
  ): void;
  idle(): Promise<void>;
  pause(): Promise<void>;
  resume(): void;
  close(): Promise<void>;
}

/**
 * Without a configured queue (`JobsQueue`, `JobsQueue__queueServiceUri`), the local host starts
 * Azurite on `port` (LOCAL_QUEUE_PORT, default 7082; 0 picks a free one) and runs the queue
 * triggers against it. With a connection string it runs them against that queue; with an Azure
 * queue URI it runs none (the Functions host in Azure does).
 */
export async function startLocalJobs(
  env: Record<string, string | undefined>,
  port: number | undefined,
): Promise<LocalJobs> {
  const configured = env.JobsQueue?.trim();
  const emulator =
    configured || env.JobsQueue__queueServiceUri
      ? undefined
      : await startQueueEmulator(port ?? Number(env.LOCAL_QUEUE_PORT || DEFAULT_LOCAL_QUEUE_PORT));
  const connectionString = configured || emulator?.connectionString;
  let runner: QueueRunner | undefined;
  return {
    env: emulator ? { JobsQueue: emulator.connectionString } : {},
    connectionString,
    run(registrations, hostJson, overrides, log) {
      if (connectionString)
        runner = runQueueTriggers(connectionString, registrations, { ...queueSettings(hostJson), ...overrides }, log);
    },
    idle: async () => runner?.idle(),
    pause: async () => runner?.pause(),
    resume: () => runner?.resume(),
    close: async () => {
      await runner?.stop();
      await emulator?.close();
    },
  };
}

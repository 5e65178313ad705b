/** Narrowing helpers for errors thrown by @azure/cosmos (they carry an HTTP status as `code`). */
export function cosmosStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}

export const isNotFound = (error: unknown) => cosmosStatus(error) === 404;
export const isConflict = (error: unknown) => cosmosStatus(error) === 409;
export const isPreconditionFailed = (error: unknown) => cosmosStatus(error) === 412;

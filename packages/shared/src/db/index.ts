// Server-only: never import this subpath from apps/web.
export { connect, migrate, type ConnectOptions, type Db } from "./connect.ts";
export * from "./schema.ts";
export { BUCKET_MS, bucketOf, scoreBin } from "./time.ts";

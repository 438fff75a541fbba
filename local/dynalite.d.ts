declare module "dynalite" {
  import type { Server } from "node:http";
  /** dynalite's factory: an HTTP server speaking DynamoDB, in memory or on LevelDB at `path`. */
  export default function dynalite(options?: {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }): Server;
}

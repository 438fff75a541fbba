import { s3Client } from "../../core/io/clients.ts";
import { ObjectStore } from "../../core/io/objectStore.ts";
import { provide } from "../services.ts";

/** The function reads or writes objects (S3). */
provide("store", ({ env, shared }) => new ObjectStore(shared("s3", () => s3Client(env))));

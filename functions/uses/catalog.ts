import { glueClient } from "../../core/io/clients.ts";
import { GlueCatalog } from "../../core/io/glueCatalog.ts";
import { provide } from "../services.ts";

/** The function keeps the Glue catalog's tables. */
provide("catalog", ({ env, settings }) => new GlueCatalog(glueClient(env), settings.ETL_GLUE_DATABASE));

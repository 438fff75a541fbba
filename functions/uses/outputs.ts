import { dynamoClient } from "../../core/io/clients.ts";
import { OutputTable } from "../../core/io/outputTable.ts";
import { provide } from "../services.ts";

/** The function reads or writes the outputs guard (DynamoDB; docs/commit.md). */
provide("outputs", ({ env, settings, shared }) => new OutputTable(shared("dynamodb", () => dynamoClient(env)), settings.ETL_OUTPUTS_TABLE));

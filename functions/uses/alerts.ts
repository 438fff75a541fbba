import { snsClient } from "../../core/io/clients.ts";
import { Alerts } from "../../core/io/alerts.ts";
import { provide } from "../services.ts";

/** The function publishes alerts (SNS). */
provide("alerts", ({ env, settings }) => new Alerts(snsClient(env), settings.ETL_ALERTS_TOPIC_ARN));

import { quicksightClient } from "../../core/io/clients.ts";
import { provide } from "../services.ts";

/** The function asks QuickSight to refresh SPICE datasets (load, in SPICE mode). */
provide("quicksight", ({ env }) => quicksightClient(env));

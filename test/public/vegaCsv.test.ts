/**
 * Every CSV and TSV file of vega-datasets through the real local pipeline, each into a dataset of
 * its own (`vega_<stem>`, inferred: no declared columns). What is checked: see `vega.ts`.
 */
import { describeVegaCases, vegaCases } from "./vega.ts";

describeVegaCases("vega-datasets CSV/TSV through the local pipeline", vegaCases("csv"));

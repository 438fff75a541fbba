/**
 * Every JSON file of vega-datasets through the real local pipeline, each into a dataset of its
 * own (`vega_<stem>`, inferred: no declared columns). Arrays of records must succeed; files that
 * are one JSON object (TopoJSON, GeoJSON, graphs) may succeed as one row or be rejected with a
 * terminal error naming the file. What is checked: see `vega.ts`.
 */
import { describeVegaCases, vegaCases } from "./vega.ts";

describeVegaCases("vega-datasets JSON through the local pipeline", vegaCases("json"));

import { describe, expect, it } from "vitest";
import { normalizeName, normalizeNames, RESERVED_NAMES } from "../../core/naming/normalizeName.ts";

describe("normalizeName", () => {
  it("turns headers into lower snake_case", () => {
    const headers = ["Order Id", "UNIT PRICE", "  qty  ", "ship-to.city"];

    const names = headers.map(normalizeName);

    expect(names).toEqual(["order_id", "unit_price", "qty", "ship_to_city"]);
  });

  it("folds accents to plain ASCII", () => {
    const headers = ["Prénom", "Straße Nr", "Año", "Ça coûte"];

    const names = headers.map(normalizeName);

    expect(names).toEqual(["prenom", "strasse_nr", "ano", "ca_coute"]);
  });

  it("splits camelCase and PascalCase words", () => {
    const headers = ["orderId", "CustomerName", "totalAmountEUR", "item2Count"];

    const names = headers.map(normalizeName);

    expect(names).toEqual(["order_id", "customer_name", "total_amount_eur", "item2_count"]);
  });

  it("replaces runs of special characters by one underscore and trims them at the ends", () => {
    const headers = ["price ($)", "#items!!", "a   --  b", '"; DROP TABLE x; --', "__private__"];

    const names = headers.map(normalizeName);

    expect(names).toEqual(["price", "items", "a_b", "drop_table_x", "private"]);
  });

  it("returns an empty name for a header with no letters or digits", () => {
    const headers = ["", "   ", "!!!"];

    const names = headers.map(normalizeName);

    expect(names).toEqual(["", "", ""]);
  });

  it("transliterates other scripts readably instead of dropping their names", () => {
    const names = ["Имя", "Город", "価格", "Ελληνικά"].map(normalizeName);

    expect(names).toEqual(["imya", "gorod", "si_ge", "ellinika"]);
  });
});

describe("normalizeNames", () => {
  it("names empty headers column_N after their 1-based position", () => {
    const headers = ["id", "", "???", "amount"];

    const names = normalizeNames(headers);

    expect(names).toEqual(["id", "column_2", "column_3", "amount"]);
  });

  it("makes colliding names unique with _2, _3 in file order", () => {
    const headers = ["Amount", "amount", "AMOUNT", "amount "];

    const names = normalizeNames(headers);

    expect(names).toEqual(["amount", "amount_2", "amount_3", "amount_4"]);
  });

  it("keeps names unique when a header already looks like a suffixed one", () => {
    const headers = ["a", "a", "a_2", ""];

    const names = normalizeNames(headers);

    expect(new Set(names).size).toBe(names.length);
    expect(names[0]).toBe("a");
    expect(names[1]).toBe("a_2");
  });

  it("renames the partition names and DuckDB's rowid so they cannot clash with the pipeline's own", () => {
    const headers = ["Year", "month", "DAY", "weekday", "ROWID", "_row_hash", "__row"];

    const names = normalizeNames(headers);

    expect(RESERVED_NAMES).toEqual(["year", "month", "day", "rowid"]);
    expect(names).toEqual(["year_2", "month_2", "day_2", "weekday", "rowid_2", "row_hash", "row"]);
  });

  it("prefixes names that start with a digit so they are valid identifiers", () => {
    const headers = ["2024 sales", "1st", "9"];

    const names = normalizeNames(headers);

    expect(names).toEqual(["c_2024_sales", "c_1st", "c_9"]);
    for (const name of names) expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  it("keeps SQL keywords as ordinary column names", () => {
    const headers = ["select", "FROM", "where", "order", "group", "table"];

    const names = normalizeNames(headers);

    expect(names).toEqual(["select", "from", "where", "order", "group", "table"]);
  });

  it("strips leading underscores so a file cannot write the pipeline's own _columns", () => {
    const headers = ["_row_hash", "_job_id", "__row"];

    const names = normalizeNames(headers);

    expect(names).toEqual(["row_hash", "job_id", "row"]);
    for (const name of names) expect(name.startsWith("_")).toBe(false);
  });

  it("keeps the number and order of headers", () => {
    const headers = ["b", "a", "", "b", "Year"];

    const names = normalizeNames(headers);

    expect(names).toHaveLength(5);
    expect(names).toEqual(["b", "a", "column_3", "b_2", "year_2"]);
  });
});

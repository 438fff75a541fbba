import { describe, expect, it } from "vitest";
import { ExpressionError, expressionColumns, parseExpression } from "../../core/gold/expression.ts";
import { typeOf } from "../../core/gold/expressionType.ts";

const COLUMNS = { quantity: "BIGINT", unit_price: "DOUBLE", price: "DECIMAL(12,2)", status: "VARCHAR", order_date: "DATE", end: "BIGINT" };

describe("parseExpression", () => {
  it("gives * and / precedence over + and -, left to right", () => {
    expect(parseExpression("a - b - c * d")).toEqual({
      kind: "binary",
      op: "-",
      left: { kind: "binary", op: "-", left: { kind: "column", name: "a" }, right: { kind: "column", name: "b" } },
      right: { kind: "binary", op: "*", left: { kind: "column", name: "c" }, right: { kind: "column", name: "d" } },
    });
  });

  it("reads case with conditions, grouped conditions and parenthesized values", () => {
    const expr = parseExpression("CASE WHEN (status = 'paid' or status = 'it''s') AND (quantity + 1) * 2 >= 4 THEN quantity ELSE 0 END");

    expect(expr.kind).toBe("case");
    expect(expressionColumns(expr).sort()).toEqual(["quantity", "status"]);
    expect(typeOf(expr, COLUMNS)).toBe("BIGINT");
  });

  it("reads a keyword-named column when double-quoted", () => {
    expect(parseExpression('"end" * 2')).toMatchObject({ left: { kind: "column", name: "end" } });
  });

  it.each([
    ["", /empty/],
    ["quantity *", /expected a value at the end/],
    ["quantity unit_price", /end of expression/],
    ["sum(quantity)", /end of expression/],
    ["quantity; DROP TABLE x", /unexpected character ";"/],
    ["quantity /* comment */", /expected a column/],
    ["case when quantity then 1 end", /comparison/],
    ["case else 1 end", /"when"/],
    ["coalesce(quantity", /"\)"/],
    ["'unterminated", /unexpected character/],
    ["(".repeat(100) + "1" + ")".repeat(100), /nests at most/],
    ["1 + ".repeat(1000) + "1", /at most 2000 characters/],
  ])("rejects %j", (source, message) => {
    expect(() => parseExpression(source)).toThrow(ExpressionError);
    expect(() => parseExpression(source)).toThrow(message);
  });
});

describe("typeOf", () => {
  it("keeps integer arithmetic BIGINT and makes division and mixed numbers DOUBLE", () => {
    expect(typeOf(parseExpression("quantity * 2 - 1"), COLUMNS)).toBe("BIGINT");
    expect(typeOf(parseExpression("quantity / 2"), COLUMNS)).toBe("DOUBLE");
    expect(typeOf(parseExpression("quantity * price"), COLUMNS)).toBe("DOUBLE");
    expect(typeOf(parseExpression("price"), COLUMNS)).toBe("DECIMAL(12,2)");
    expect(typeOf(parseExpression("coalesce(quantity, 0)"), COLUMNS)).toBe("BIGINT");
    expect(typeOf(parseExpression("coalesce(unit_price, 0)"), COLUMNS)).toBe("DOUBLE");
  });

  it.each([
    ["quantity * status", /needs numbers/],
    ["coalesce(status, 0)", /mix VARCHAR and BIGINT/],
    ["case when status > 3 then 1 end", /cannot compare VARCHAR with BIGINT/],
    ["nope + 1", /unknown column nope/],
    ["- status", /needs a number/],
  ])("rejects %j", (source, message) => {
    expect(() => typeOf(parseExpression(source), COLUMNS)).toThrow(message);
  });

  it("compares a date with ISO text", () => {
    expect(typeOf(parseExpression("case when order_date >= '2024-03-01' then 1 else 0 end"), COLUMNS)).toBe("BIGINT");
  });
});

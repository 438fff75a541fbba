import { Params, quoteIdent } from "../engine/sql.ts";
import type { Condition, Expr } from "./expression.ts";
import { comparedType, typeOf, type ColumnTypes } from "./expressionType.ts";

/** `x` as `type`, cast only when its own type differs. */
function castTo(sql: string, from: string, to: string): string {
  return from === to ? sql : `CAST(${sql} AS ${to})`;
}

/** Real division, NULL when the divisor is zero (DuckDB's `/` would give ±Infinity). */
export function divide(numerator: string, denominator: string): string {
  return `(CAST(${numerator} AS DOUBLE) / NULLIF(CAST(${denominator} AS DOUBLE), 0))`;
}

/**
 * The SQL of a parsed expression: columns quoted, numbers as the digits the parser matched,
 * strings bound as parameters, and every operand cast to the type `typeOf` gives, so the SQL
 * computes exactly the type the catalog declares.
 */
export function expressionSql(expr: Expr, columns: ColumnTypes, params: Params): string {
  const sql = (e: Expr, to?: string): string => {
    const own = typeOf(e, columns);
    return castTo(raw(e), own, to ?? own);
  };
  const raw = (e: Expr): string => {
    switch (e.kind) {
      case "column":
        return quoteIdent(e.name);
      case "number":
        // Integer literals are BIGINT, others DOUBLE, as typeOf says (DuckDB would pick INTEGER and DECIMAL).
        return e.integer ? `CAST(${e.text} AS BIGINT)` : `CAST(${e.text} AS DOUBLE)`;
      case "string":
        return `CAST(${params.add(e.value)} AS VARCHAR)`;
      case "negate":
        return `(- ${sql(e.operand)})`;
      case "binary": {
        if (e.op === "/") return divide(sql(e.left), sql(e.right));
        const type = typeOf(e, columns);
        return `(${sql(e.left, type)} ${e.op} ${sql(e.right, type)})`;
      }
      case "coalesce": {
        const type = typeOf(e, columns);
        return `coalesce(${e.args.map((a) => sql(a, type)).join(", ")})`;
      }
      case "case": {
        const type = typeOf(e, columns);
        const branches = e.branches.map((b) => `WHEN ${condition(b.when)} THEN ${sql(b.then, type)}`);
        return `(CASE ${branches.join(" ")}${e.otherwise ? ` ELSE ${sql(e.otherwise, type)}` : ""} END)`;
      }
    }
  };
  const condition = (c: Condition): string => {
    switch (c.kind) {
      case "compare": {
        const type = comparedType(typeOf(c.left, columns), typeOf(c.right, columns));
        return `(${sql(c.left, type)} ${c.op} ${sql(c.right, type)})`;
      }
      case "isNull":
        return `(${sql(c.operand)} IS ${c.negated ? "NOT " : ""}NULL)`;
      case "not":
        return `(NOT ${condition(c.operand)})`;
      default:
        return `(${condition(c.left)} ${c.kind.toUpperCase()} ${condition(c.right)})`;
    }
  };
  return sql(expr);
}

import { ExpressionError, type Condition, type Expr } from "./expression.ts";

/**
 * Types of expressions, as DuckDB names them (the names silver's Parquet is read back with:
 * `BIGINT`, `DOUBLE`, `DECIMAL(12,2)`, `VARCHAR`, `DATE`, `TIMESTAMP WITH TIME ZONE`, `BOOLEAN`).
 * The same function types a model from the config (for the catalog) and from the silver files
 * (for the query), so the gold table and the gold files cannot disagree.
 */
export type ColumnTypes = Readonly<Record<string, string>>;

const INTEGER = /^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)$/;
const NUMERIC = /^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT|DOUBLE|FLOAT|REAL|DECIMAL\(\d+,\d+\))$/;

export const isInteger = (type: string): boolean => INTEGER.test(type);
export const isNumeric = (type: string): boolean => NUMERIC.test(type);

/** `TIMESTAMPTZ` is DuckDB's alias; one spelling keeps comparisons of types exact. */
export function normalizeType(type: string): string {
  const upper = type.toUpperCase().replaceAll(" ", "");
  if (upper === "TIMESTAMPTZ" || upper === "TIMESTAMPWITHTIMEZONE") return "TIMESTAMP WITH TIME ZONE";
  if (upper === "STRING" || upper === "TEXT") return "VARCHAR";
  return upper.startsWith("DECIMAL") ? upper : type.toUpperCase();
}

/**
 * The one type several values share (coalesce arguments, case branches): the same type, or for
 * numbers BIGINT when all are integers and DOUBLE otherwise. Mixed kinds are a mistake.
 */
export function unify(types: readonly (string | undefined)[], what: string): string | undefined {
  const known = [...new Set(types.filter((t): t is string => t !== undefined))];
  if (known.length <= 1) return known[0];
  if (known.every(isNumeric)) return known.every(isInteger) ? "BIGINT" : "DOUBLE";
  throw new ExpressionError(`${what} mix ${known.join(" and ")}`);
}

/** The type of an expression over columns of the given types; `undefined` for a bare NULL-only value. */
export function typeOf(expr: Expr, columns: ColumnTypes): string {
  switch (expr.kind) {
    case "column": {
      const type = columns[expr.name];
      if (!type) throw new ExpressionError(`unknown column ${expr.name}`);
      return normalizeType(type);
    }
    case "number":
      return expr.integer ? "BIGINT" : "DOUBLE";
    case "string":
      return "VARCHAR";
    case "negate": {
      const type = typeOf(expr.operand, columns);
      if (!isNumeric(type)) throw new ExpressionError(`- needs a number, not ${type}`);
      return type;
    }
    case "binary": {
      const left = typeOf(expr.left, columns);
      const right = typeOf(expr.right, columns);
      if (!isNumeric(left) || !isNumeric(right)) throw new ExpressionError(`${expr.op} needs numbers, not ${left} and ${right}`);
      // Division is real division; integer arithmetic stays exact; anything else is DOUBLE.
      if (expr.op !== "/" && isInteger(left) && isInteger(right)) return "BIGINT";
      return "DOUBLE";
    }
    case "coalesce":
      return unify(expr.args.map((a) => typeOf(a, columns)), "coalesce arguments")!;
    case "case": {
      for (const b of expr.branches) checkCondition(b.when, columns);
      const results = [...expr.branches.map((b) => b.then), ...(expr.otherwise ? [expr.otherwise] : [])];
      return unify(results.map((r) => typeOf(r, columns)), "case results")!;
    }
  }
}

/** Checks that a condition compares like with like (a string may name a date or an instant). */
export function checkCondition(condition: Condition, columns: ColumnTypes): void {
  switch (condition.kind) {
    case "compare":
      comparedType(typeOf(condition.left, columns), typeOf(condition.right, columns));
      return;
    case "isNull":
      typeOf(condition.operand, columns);
      return;
    case "not":
      checkCondition(condition.operand, columns);
      return;
    default:
      checkCondition(condition.left, columns);
      checkCondition(condition.right, columns);
  }
}

/** The type both sides of a comparison are compared in. */
export function comparedType(left: string, right: string): string {
  if (left === right) return left;
  if (isNumeric(left) && isNumeric(right)) return unify([left, right], "")!;
  // A text literal against a date or an instant is read as one ('2024-03-01').
  if (right === "VARCHAR" && (left === "DATE" || left.startsWith("TIMESTAMP"))) return left;
  if (left === "VARCHAR" && (right === "DATE" || right.startsWith("TIMESTAMP"))) return right;
  throw new ExpressionError(`cannot compare ${left} with ${right}`);
}

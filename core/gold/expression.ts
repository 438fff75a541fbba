/**
 * The small expression language of gold metrics (`quantity * unit_price`,
 * `case when status = 'paid' then quantity else 0 end`): parsed into a tree here, checked against
 * the dataset's columns by expressionType.ts and turned into SQL by expressionSql.ts. Config text
 * never reaches SQL as such: only this tree does, with identifiers quoted and values bound.
 */

/** A value-producing expression. */
export type Expr =
  | { kind: "column"; name: string }
  | { kind: "number"; text: string; integer: boolean }
  | { kind: "string"; value: string }
  | { kind: "negate"; operand: Expr }
  | { kind: "binary"; op: "+" | "-" | "*" | "/"; left: Expr; right: Expr }
  | { kind: "coalesce"; args: Expr[] }
  | { kind: "case"; branches: { when: Condition; then: Expr }[]; otherwise?: Expr };

/** A comparison operator. */
export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";

/** A condition of a `case when`. */
export type Condition =
  | { kind: "compare"; op: CompareOp; left: Expr; right: Expr }
  | { kind: "isNull"; negated: boolean; operand: Expr }
  | { kind: "and" | "or"; left: Condition; right: Condition }
  | { kind: "not"; operand: Condition };

/** A mistake in a metric's expression, with where it is. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

type Token = { type: "ident" | "quoted" | "number" | "string" | "op" | "keyword"; text: string; at: number };

const KEYWORDS = new Set(["case", "when", "then", "else", "end", "and", "or", "not", "is", "null", "coalesce"]);
const MAX_LENGTH = 2000;
const MAX_DEPTH = 64;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s+|([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"]|"")*)"|(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|'((?:[^']|'')*)'|(<=|>=|<>|!=|[-+*/(),=<>])/y;
  let at = 0;
  while (at < source.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(source);
    if (!m) throw new ExpressionError(`unexpected character ${JSON.stringify(source[at])} at position ${at + 1}`);
    if (m[1] !== undefined) {
      const lower = m[1].toLowerCase();
      tokens.push(KEYWORDS.has(lower) ? { type: "keyword", text: lower, at } : { type: "ident", text: m[1], at });
    } else if (m[2] !== undefined) tokens.push({ type: "quoted", text: m[2].replaceAll('""', '"'), at });
    else if (m[3] !== undefined) tokens.push({ type: "number", text: m[3], at });
    else if (m[4] !== undefined) tokens.push({ type: "string", text: m[4].replaceAll("''", "'"), at });
    else if (m[5] !== undefined) tokens.push({ type: "op", text: m[5] === "<>" ? "!=" : m[5], at });
    at = pattern.lastIndex;
  }
  return tokens;
}

/** Parses a metric expression; throws ExpressionError naming the first mistake. */
export function parseExpression(source: string): Expr {
  if (source.length > MAX_LENGTH) throw new ExpressionError(`an expression is at most ${MAX_LENGTH} characters`);
  return new Parser(tokenize(source)).whole();
}

/** Recursive descent over the token list; `pos` moves back only to retry a parenthesis as a value. */
class Parser {
  private pos = 0;
  private depth = 0;

  private readonly tokens: Token[];

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  whole(): Expr {
    if (!this.tokens.length) throw new ExpressionError("the expression is empty");
    const expr = this.expr();
    if (this.peek()) this.fail("end of expression");
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private is(text: string): boolean {
    const t = this.peek();
    return t !== undefined && (t.type === "op" || t.type === "keyword") && t.text === text;
  }

  private accept(text: string): boolean {
    if (!this.is(text)) return false;
    this.pos++;
    return true;
  }

  private expect(text: string): void {
    if (!this.accept(text)) this.fail(`"${text}"`);
  }

  private fail(wanted: string): never {
    const t = this.peek();
    throw new ExpressionError(t ? `expected ${wanted} at position ${t.at + 1}, found "${t.text}"` : `expected ${wanted} at the end`);
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) throw new ExpressionError(`an expression nests at most ${MAX_DEPTH} levels`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private expr(): Expr {
    return this.nested(() => {
      let left = this.term();
      while (this.is("+") || this.is("-")) {
        const op = this.tokens[this.pos++].text as "+" | "-";
        left = { kind: "binary", op, left, right: this.term() };
      }
      return left;
    });
  }

  private term(): Expr {
    let left = this.unary();
    while (this.is("*") || this.is("/")) {
      const op = this.tokens[this.pos++].text as "*" | "/";
      left = { kind: "binary", op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.accept("-")) return this.nested(() => ({ kind: "negate", operand: this.unary() }));
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek();
    if (!t) this.fail("a value");
    if (t.type === "number") {
      this.pos++;
      return { kind: "number", text: t.text, integer: /^\d+$/.test(t.text) };
    }
    if (t.type === "string") {
      this.pos++;
      return { kind: "string", value: t.text };
    }
    if (t.type === "ident" || t.type === "quoted") {
      this.pos++;
      return { kind: "column", name: t.text };
    }
    if (this.accept("(")) {
      const inner = this.expr();
      this.expect(")");
      return inner;
    }
    if (this.accept("coalesce")) {
      this.expect("(");
      const args = [this.expr()];
      while (this.accept(",")) args.push(this.expr());
      this.expect(")");
      return { kind: "coalesce", args };
    }
    if (this.accept("case")) return this.caseExpr();
    this.fail("a column, a number, a string, coalesce(…), case … end or (");
  }

  private caseExpr(): Expr {
    const branches: { when: Condition; then: Expr }[] = [];
    while (this.accept("when")) {
      const when = this.condition();
      this.expect("then");
      branches.push({ when, then: this.expr() });
    }
    if (!branches.length) this.fail('"when"');
    const otherwise = this.accept("else") ? this.expr() : undefined;
    this.expect("end");
    return { kind: "case", branches, otherwise };
  }

  private condition(): Condition {
    return this.nested(() => {
      let left = this.conjunction();
      while (this.accept("or")) left = { kind: "or", left, right: this.conjunction() };
      return left;
    });
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.accept("and")) left = { kind: "and", left, right: this.negation() };
    return left;
  }

  private negation(): Condition {
    if (this.accept("not")) return this.nested(() => ({ kind: "not", operand: this.negation() }));
    // `(` opens either a grouped condition or a value such as `(a + b) > 3`: try the condition first.
    if (this.is("(")) {
      const start = this.pos;
      try {
        this.pos++;
        const inner = this.condition();
        this.expect(")");
        if (!COMPARE_OPS.has(this.peek()?.text ?? "") && !this.is("is")) return inner;
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
      }
      this.pos = start;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const left = this.expr();
    if (this.accept("is")) {
      const negated = this.accept("not");
      this.expect("null");
      return { kind: "isNull", negated, operand: left };
    }
    const t = this.peek();
    if (!t || t.type !== "op" || !COMPARE_OPS.has(t.text)) this.fail("a comparison (=, !=, <, <=, >, >=, is null)");
    this.pos++;
    return { kind: "compare", op: t.text as CompareOp, left, right: this.expr() };
  }
}

const COMPARE_OPS = new Set(["=", "!=", "<", "<=", ">", ">="]);

/** Every column an expression reads. */
export function expressionColumns(expr: Expr): string[] {
  const found = new Set<string>();
  const visitCondition = (c: Condition): void => {
    if (c.kind === "compare") [c.left, c.right].forEach(visit);
    else if (c.kind === "isNull") visit(c.operand);
    else if (c.kind === "not") visitCondition(c.operand);
    else [c.left, c.right].forEach(visitCondition);
  };
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case "column":
        found.add(e.name);
        break;
      case "negate":
        visit(e.operand);
        break;
      case "binary":
        visit(e.left);
        visit(e.right);
        break;
      case "coalesce":
        e.args.forEach(visit);
        break;
      case "case":
        for (const b of e.branches) {
          visitCondition(b.when);
          visit(b.then);
        }
        if (e.otherwise) visit(e.otherwise);
        break;
    }
  };
  visit(expr);
  return [...found];
}

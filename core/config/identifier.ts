import * as v from "valibot";

/** A dataset, model or column name as the config writes it: lower snake_case, like normalized headers. */
export const IdentifierSchema = v.pipe(
  v.string(),
  v.regex(/^[a-z_][a-z0-9_]*$/, "Expected a lower snake_case name (letters, digits, underscores)"),
  v.maxLength(128),
);

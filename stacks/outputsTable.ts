/**
 * The outputs guard (docs/commit.md): one item per output that concurrent jobs share, a source
 * key's committed version, a silver partition's version counter, a gold partition's or an
 * archived upload's published version, each written only by conditional writes. Items are few
 * and small and live as long as their outputs: no TTL, no index.
 */
export const outputsTable = new sst.aws.Dynamo("Outputs", {
  fields: { id: "string" },
  primaryIndex: { hashKey: "id" },
  deletionProtection: $app.removal !== "remove",
  transform: {
    // Losing it would let an older version overwrite a newer one: recoverable to any second.
    table: { billingMode: "PAY_PER_REQUEST", pointInTimeRecovery: { enabled: true } },
  },
});

/** True when DynamoDB refused a write because its condition did not hold: another writer got there first. */
export function isConditionFailure(error: unknown): boolean {
  return (error as Error).name === "ConditionalCheckFailedException";
}

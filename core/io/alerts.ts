import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

/** SNS subjects: 1 to 100 printable ASCII characters, not starting with a space, no line breaks. */
export function snsSubject(text: string): string {
  const ascii = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^\x21-\x7e]+/g, " ")
    .trim();
  if (!ascii) return "ETL notification";
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97).trimEnd()}...`;
}

/** The alerts topic. */
export class Alerts {
  private readonly sns: SNSClient;
  private readonly topicArn: string;

  constructor(sns: SNSClient, topicArn: string) {
    this.sns = sns;
    this.topicArn = topicArn;
  }

  /** Publishes a message; the JSON body is for machines, the subject for people. */
  async publish(subject: string, body: Record<string, unknown>, attributes: Record<string, string> = {}): Promise<string | undefined> {
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(subject),
        Message: JSON.stringify(body, null, 2),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, value]) => [k, { DataType: "String", StringValue: value }]),
        ),
      }),
    );
    return out.MessageId;
  }
}

import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
export function snsSubject(text: string): string {
  const ascii = text.normalize("NFKD").replace(/[^\x20-\x7e]/g, "");
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

/** The alerts topic. */
export class Alerts {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

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

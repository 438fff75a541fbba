import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

/** Colours text for a stream: only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function colour(stream: NodeJS.WriteStream, style: Style, text: string): string {
  const on = stream.isTTY === true && !process.env.NO_COLOR;
  return on ? styleText(style, text, { validateStream: false }) : text;
}

/** The little XML S3 speaks: responses built from plain values, and the few request bodies it reads. */

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", "\r": "&#13;" };

/** Escapes text for an element; CR as an entity so the parser does not normalise it away. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]);
}

/** A value of an element: text, nested elements, or a list of the same element repeated. */
export type XmlValue = string | number | boolean | undefined | XmlNode | XmlNode[];
export type XmlNode = { [element: string]: XmlValue | XmlValue[] };

function render(name: string, value: XmlValue | XmlValue[]): string {
  if (value === undefined) return "";
  if (Array.isArray(value)) return value.map((v) => render(name, v)).join("");
  if (typeof value === "object") return `<${name}>${Object.entries(value).map(([k, v]) => render(k, v)).join("")}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

/** A whole response document; S3 puts its namespace on every root but an error's. */
export function xmlDocument(root: string, body: XmlNode): string {
  const inner = Object.entries(body).map(([k, v]) => render(k, v)).join("");
  const ns = root === "Error" ? "" : ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${inner}</${root}>`;
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[e]!;
  });
}

/** The text of every `<name>…</name>` in a flat fragment, unescaped (request bodies have no CDATA). */
export function elements(xml: string, name: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>|<${name}(?:\\s[^>]*)?/>`, "g");
  for (const m of xml.matchAll(re)) out.push(m[1] ?? "");
  return out;
}

/** The text of the first `<name>` element, unescaped, or undefined. */
export function element(xml: string, name: string): string | undefined {
  const [first] = elements(xml, name);
  return first === undefined ? undefined : unescapeXml(first);
}

/** Like `elements`, each unescaped: for leaf values. */
export function texts(xml: string, name: string): string[] {
  return elements(xml, name).map(unescapeXml);
}

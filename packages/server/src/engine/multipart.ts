/**
 * Reads a multipart/form-data body of text fields, the form @clickhouse/client uses to send
 * a query and its parameters when they are too long for the URL. Files and nested
 * multiparts do not occur there and are not handled.
 */

export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null;
  const m = /\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2] ?? null;
}

export function parseMultipartFields(body: string, boundary: string): Map<string, string> {
  const fields = new Map<string, string>();
  const delimiter = `--${boundary}`;
  for (const raw of body.split(delimiter).slice(1)) {
    if (raw.startsWith('--')) break; // closing delimiter
    const part = raw.startsWith('\r\n') ? raw.slice(2) : raw;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const name = /\bname="([^"]*)"/i.exec(part.slice(0, headerEnd))?.[1];
    if (name === undefined) continue;
    let value = part.slice(headerEnd + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    fields.set(name, value);
  }
  return fields;
}

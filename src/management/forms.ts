// Form fields of write requests, from `application/x-www-form-urlencoded` or
// `multipart/form-data` bodies, as Pekko's formField directive accepts both.
// Pure functions over the raw body; anything malformed is a FormError (answered 400).

export class FormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormError';
  }
}

export class UnsupportedFormType extends Error {
  constructor(readonly contentType: string) {
    super(`unsupported content type [${contentType}]`);
    this.name = 'UnsupportedFormType';
  }
}

const MAX_FIELDS = 64;

/**
 * Reads the fields of a request body. An empty body has no fields whatever its type;
 * a non-empty body of another content type raises UnsupportedFormType.
 */
export function parseFormFields(contentType: string | undefined, body: Buffer | undefined): Map<string, string> {
  if (!body || body.length === 0) return new Map();
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return parseUrlEncoded(decodeUtf8(body));
  if (type === 'multipart/form-data') return parseMultipart(contentType!, body);
  throw new UnsupportedFormType(type);
}

export function parseUrlEncoded(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  if (text === '') return fields;
  const pairs = text.split('&');
  if (pairs.length > MAX_FIELDS) throw new FormError('too many form fields');
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    if (!fields.has(name)) fields.set(name, value);
  }
  return fields;
}

function decodeComponent(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw new FormError('malformed percent-encoding in form data');
  }
}

function decodeUtf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new FormError('form data is not valid UTF-8');
  }
}

/** A small multipart/form-data reader: text parts with a `name`, files ignored. */
export function parseMultipart(contentType: string, body: Buffer): Map<string, string> {
  const m = /boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  if (!m) throw new FormError('multipart body without a boundary');
  const boundary = Buffer.from(`--${m[1] ?? m[2]}`, 'latin1');
  const fields = new Map<string, string>();
  let pos = body.indexOf(boundary);
  if (pos < 0) throw new FormError('multipart body without its boundary');
  for (let parts = 0; ; parts++) {
    pos += boundary.length;
    if (body.subarray(pos, pos + 2).toString('latin1') === '--') return fields;
    if (parts >= MAX_FIELDS) throw new FormError('too many multipart parts');
    if (body.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw new FormError('malformed multipart delimiter');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    if (headerEnd < 0) throw new FormError('malformed multipart part headers');
    const headers = body.subarray(pos, headerEnd).toString('latin1');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headerEnd + 4);
    if (next < 0) throw new FormError('unterminated multipart part');
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(headers);
    if (!disposition) throw new FormError('multipart part without form-data disposition');
    const name = /;\s*name="([^"]*)"/i.exec(disposition[1]!)?.[1];
    const isFile = /;\s*filename=/i.test(disposition[1]!);
    if (name !== undefined && !isFile && !fields.has(name)) {
      fields.set(name, decodeUtf8(body.subarray(headerEnd + 4, next)));
    }
    pos = next + 2;
  }
}

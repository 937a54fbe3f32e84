/**
 * RFC 4918 §10.4.2, the grammar of the WebDAV `If` header:
 *
 *   If = ( 1*No-tag-list | 1*Tagged-list )      Tagged-list = Resource-Tag 1*List
 *   List = "(" 1*Condition ")"                   Condition = ["Not"] ( Coded-URL | "[" entity-tag "]" )
 *   Coded-URL = "<" absolute-URI ">"             Resource-Tag = "<" Simple-ref ">"
 *
 * webdav-server reads the header with a lenient regex and treats what it cannot read as "no condition",
 * so a malformed header would let a request through that its sender meant to make conditional (RFC 4918
 * wants 400). No maintained parser exists for this header; the grammar is small.
 */
const TOKEN = /\s*(?:<([^<>\s]*)>|(\()|(\))|(not)(?=[\s<[])|(\[(?:W\/)?"(?:[^"\\]|\\.)*"\]))/iy;
const ABSOLUTE_URI = /^[a-z][a-z0-9+.-]*:\S+$/i;

type Token = { kind: 'url'; text: string } | { kind: '(' | ')' | 'not' | 'etag' };

function tokenize(header: string): Token[] | null {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < header.length) {
    if (/^\s*$/.test(header.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(header);
    if (!m) return null;
    if (m[1] !== undefined) tokens.push({ kind: 'url', text: m[1] });
    else if (m[2]) tokens.push({ kind: '(' });
    else if (m[3]) tokens.push({ kind: ')' });
    else if (m[4]) tokens.push({ kind: 'not' });
    else tokens.push({ kind: 'etag' });
  }
  return tokens;
}

/** Reads one List starting at `i`; the index after it, or -1 when malformed. */
function readList(tokens: Token[], i: number): number {
  if (tokens[i]?.kind !== '(') return -1;
  let conditions = 0;
  for (i++; tokens[i]?.kind !== ')'; conditions++) {
    if (tokens[i]?.kind === 'not') i++;
    const t = tokens[i];
    if (t?.kind === 'etag') i++;
    else if (t?.kind === 'url' && ABSOLUTE_URI.test(t.text)) i++;
    else return -1;
  }
  return conditions > 0 ? i + 1 : -1;
}

/** Whether `header` is a well-formed If header (all lists tagged, or none). */
export function isValidIfHeader(header: string): boolean {
  const tokens = tokenize(header);
  if (!tokens || tokens.length === 0) return false;
  const tagged = tokens[0].kind === 'url';
  let i = 0;
  while (i < tokens.length) {
    if (tagged) {
      const tag = tokens[i];
      if (tag.kind !== 'url' || tag.text === '') return false;
      i++;
    }
    let lists = 0;
    for (let next = readList(tokens, i); next >= 0; next = readList(tokens, i), lists++) i = next;
    if (lists === 0) return false;
    if (!tagged && i < tokens.length) return false;
  }
  return true;
}

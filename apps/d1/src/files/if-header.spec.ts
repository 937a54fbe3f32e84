import { isValidIfHeader } from './if-header';

describe('isValidIfHeader (RFC 4918 §10.4)', () => {
  it.each([
    '(<urn:uuid:181d4fae-7d8c-11d0-a765-00a0c91e6bf2>)',
    '(Not <DAV:no-lock>)',
    '(<urn:uuid:a> ["etag"]) (Not <DAV:no-lock> [W/"weak"])',
    '<http://h/dav/x> (<urn:uuid:a>) </dav/y> (Not <DAV:no-lock>)',
    '  (<opaquelocktoken:f81d4fae>)  ',
    '(["I am an ETag"]) (["I am another ETag"])',
  ])('accepts %s', (header) => expect(isValidIfHeader(header)).toBe(true));

  it.each([
    '',
    'garbage',
    '(',
    '()',
    '(<urn:uuid:a>',
    '<urn:uuid:a>',
    '(<not a uri>)',
    '(<no-scheme>)',
    '(Not)',
    '(<urn:uuid:a>) <http://h/x> (<urn:uuid:b>)',
    '<http://h/x> (<urn:uuid:a>) (<urn:uuid:b>) garbage',
    '(["unterminated])',
    '(<urn:uuid:a>), (<urn:uuid:b>)',
  ])('refuses %j', (header) => expect(isValidIfHeader(header)).toBe(false));
});

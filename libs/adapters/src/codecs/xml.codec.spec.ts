import { ErrorCodes } from '@bus/canonical-model';
import { CodecError } from '../adapter.errors';
import { xmlCodec } from './xml.codec';
import { XML_UNSAFE_REASONS } from './xml.codec.guard';

const sut = xmlCodec;
const bytes = (text: string) => Buffer.from(text, 'utf8');

function decodeError(body: string | Buffer, options?: Record<string, unknown>): CodecError {
  try {
    sut.decode(typeof body === 'string' ? bytes(body) : body, options);
  } catch (e) {
    if (e instanceof CodecError) return e;
    throw e;
  }
  throw new Error('expected the document to be refused');
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<lolz>&lol9;</lolz>`;

const XXE = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Invoice [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Invoice><ID>&xxe;</ID></Invoice>`;

const UBL_INVOICE = `<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
  <cbc:ID>INV-2026-00001</cbc:ID>
  <cbc:IssueDate>2026-12-31</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingCustomerParty>
    <cac:Party><cac:PartyIdentification><cbc:ID schemeID="billing">0010001</cbc:ID></cac:PartyIdentification>
    <cac:PartyName><cbc:Name>Müller &amp; Söhne</cbc:Name></cac:PartyName></cac:Party>
  </cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">6.00</cbc:PayableAmount></cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="MIN">120</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">6.00</cbc:LineExtensionAmount>
  </cac:InvoiceLine>
</Invoice>`;

describe('xmlCodec', () => {
  it('should declare id xml and the XML media types', () => {
    expect(sut.id).toBe('xml');
    expect(sut.contentTypes).toEqual(['application/xml', 'text/xml']);
  });

  describe('unsafe input', () => {
    it.each([
      ['a billion laughs document', BILLION_LAUGHS, 'line 2, column 1'],
      ['an external entity (SYSTEM "file:///etc/passwd")', XXE, 'line 2, column 1'],
      ['a plain DOCTYPE', '<!DOCTYPE note SYSTEM "note.dtd">\n<note/>', 'line 1, column 1'],
      ['a lower-case doctype', '<!doctype note>\n<note/>', 'line 1, column 1'],
      ['a DOCTYPE after a comment', '<!-- hello -->\n  <!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', 'line 2, column 3'],
      ['a DOCTYPE behind an unterminated CDATA section', '<x><![CDATA[ <!DOCTYPE y> </x>', 'line 1, column 14'],
    ])('should refuse %s as CODEC.UNSAFE_INPUT before parsing', (_what, xml, location) => {
      const error = decodeError(xml);
      expect(error.code).toBe(ErrorCodes.CODEC_UNSAFE_INPUT);
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(XML_UNSAFE_REASONS.doctype);
      expect(error.location).toBe(location);
    });

    it('should refuse a stray ENTITY declaration as CODEC.UNSAFE_INPUT', () => {
      const error = decodeError('<x><!ENTITY a "b"></x>');
      expect(error).toMatchObject({ code: ErrorCodes.CODEC_UNSAFE_INPUT, location: 'line 1, column 4' });
      expect(error.message).toContain(XML_UNSAFE_REASONS.entity);
    });

    it('should refuse a reference to an undeclared entity, naming it', () => {
      const error = decodeError('<x>\n  <y>&nbsp;</y></x>');
      expect(error).toMatchObject({ code: ErrorCodes.CODEC_PARSE_FAILED, location: 'line 2, column 6' });
      expect(error.message).toContain('"&nbsp;" is not a predefined entity');
    });

    it('should check hostile input in linear time (many unterminated comments and CDATA openers)', () => {
      const hostile = `<x>${'<!--<![CDATA['.repeat(50_000)}</x>`;
      // Without the linear scan this takes minutes; the assertion is on the outcome, not on time.
      expect(decodeError(hostile).code).toBe(ErrorCodes.CODEC_PARSE_FAILED);
    });

    it('should accept DOCTYPE and ampersands as text inside CDATA and comments', () => {
      const xml = '<x><!-- <!DOCTYPE a> & --><h><![CDATA[<!DOCTYPE html><p>a & b</p>]]></h></x>';
      expect(sut.decode(bytes(xml))).toEqual({ x: { h: '<!DOCTYPE html><p>a & b</p>' } });
    });
  });

  describe('decode', () => {
    it('should decode a namespaced UBL invoice with prefixes stripped, attributes as @_ and values as strings', () => {
      const doc = sut.decode(bytes(UBL_INVOICE)) as any;
      expect(Object.keys(doc)).toEqual(['Invoice']);
      expect(doc.Invoice.ID).toBe('INV-2026-00001');
      expect(doc.Invoice['@_xmlns']).toBeUndefined();
      expect(doc.Invoice.AccountingCustomerParty.Party.PartyIdentification.ID).toEqual({ '#text': '0010001', '@_schemeID': 'billing' });
      expect(doc.Invoice.AccountingCustomerParty.Party.PartyName.Name).toBe('Müller & Söhne');
      expect(doc.Invoice.InvoiceLine).toEqual({
        ID: '1',
        InvoicedQuantity: { '#text': '120', '@_unitCode': 'MIN' },
        LineExtensionAmount: { '#text': '6.00', '@_currencyID': 'EUR' },
      });
    });

    it('should keep namespace prefixes when removeNSPrefix is false', () => {
      const doc = sut.decode(bytes(UBL_INVOICE), { removeNSPrefix: false }) as any;
      expect(doc.Invoice['cbc:ID']).toBe('INV-2026-00001');
      expect(doc.Invoice['@_xmlns:cbc']).toBe('urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2');
    });

    it('should make the configured element paths arrays even with one element', () => {
      const options = { arrayPaths: ['Invoice.InvoiceLine'] };
      const doc = sut.decode(bytes(UBL_INVOICE), options) as any;
      expect(doc.Invoice.InvoiceLine).toHaveLength(1);
      expect(doc.Invoice.InvoiceLine[0].ID).toBe('1');
      expect(Array.isArray(doc.Invoice.ID)).toBe(false);
    });

    it('should decode character references', () => {
      expect(sut.decode(bytes('<x a="&#x41;&lt;">&#169; &amp; &quot;</x>'))).toEqual({ x: { '#text': '© & "', '@_a': 'A<' } });
    });

    it.each([
      ['UTF-8 with a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes('<n>Zürich</n>')])],
      ['UTF-16LE with a byte-order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<n>Zürich</n>', 'utf16le')])],
      ['UTF-16BE with a byte-order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('<n>Zürich</n>', 'utf16le').swap16()])],
      ['ISO-8859-1 as declared', Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><n>Zürich</n>', 'latin1')],
    ])('should decode %s', (_what, body) => {
      expect(sut.decode(body)).toEqual({ n: 'Zürich' });
    });

    it.each([
      ['<a><b></a>', 'line 1, column 7'],
      ['<a>\n  <b x=1></b>\n</a>', 'line 2, column 6'],
      ['<a>\n<b>\n</a>', 'line 3, column 1'],
      ['', 'line 1'],
      ['<a></a><b></b>', 'line 1, column 10'],
    ])('should report %j as CODEC.PARSE_FAILED at %s', (xml, location) => {
      const error = decodeError(xml);
      expect(error.code).toBe(ErrorCodes.CODEC_PARSE_FAILED);
      expect(error.location).toBe(location);
      expect(error.message).toContain(`XML does not parse at ${location}`);
    });

    it('should refuse an encoding it cannot decode', () => {
      expect(decodeError('<?xml version="1.0" encoding="x-klingon"?><a/>').message).toContain('XML encoding "x-klingon" is not supported');
    });
  });

  describe('encode', () => {
    it('should write a declaration and escape text and attribute values', () => {
      const body = sut.encode({ Account: { '@_no': 'B-1 "x" <y>', Name: 'Acme & <Co>', Note: "it's" } });
      expect(body.toString('utf8')).toBe(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Account no="B-1 &quot;x&quot; &lt;y&gt;"><Name>Acme &amp; &lt;Co&gt;</Name><Note>it&apos;s</Note></Account>',
      );
    });

    it('should drop characters XML 1.0 cannot carry', () => {
      expect(sut.encode({ a: 'x\u0001y\u000bz' }).toString('utf8')).toContain('<a>xyz</a>');
    });

    it('should round-trip a decoded namespaced document', () => {
      const options = { removeNSPrefix: false, arrayPaths: ['Invoice.cac:InvoiceLine'] };
      const decoded = sut.decode(bytes(UBL_INVOICE), options);
      expect(sut.decode(sut.encode(decoded, options), options)).toEqual(decoded);
    });

    it('should indent when pretty is set', () => {
      expect(sut.encode({ a: { b: '1' } }, { pretty: true }).toString('utf8')).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<a>\n  <b>1</b>\n</a>');
    });

    it.each([
      ['two roots', { a: 1, b: 2 }],
      ['no root', {}],
      ['an array', [{ a: 1 }]],
      ['a string', 'text'],
      ['an element name with a space', { 'Bad Name': 'x' }],
    ])('should refuse to encode %s with a CodecError', (_what, value) => {
      expect(() => sut.encode(value)).toThrow(CodecError);
    });
  });
});

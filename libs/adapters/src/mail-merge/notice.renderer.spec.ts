import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidMailAddressError } from '../smtp/mail-address';
import type { MergeRecipient } from './merge-recipient';
import { NoticeRenderer } from './notice.renderer';

const template = readFileSync(join(__dirname, '../../../../config/templates/notice.hbs'), 'utf8');
const recipient: MergeRecipient = {
  customerId: 'C-1001', name: 'Jürgen Müller', street: 'Am Weg 7', postalCode: '50667', city: 'Köln', email: 'jm@example.com',
};

describe(NoticeRenderer.name, () => {
  const sut = new NoticeRenderer({ template, templateName: 'notice.hbs' });

  it('should render subject, text and html from one template', () => {
    const notice = sut.render(recipient);
    expect(notice.to).toEqual({ name: 'Jürgen Müller', address: 'jm@example.com' });
    expect(notice.subject).toBe('A letter from us is on its way, Jürgen Müller');
    expect(notice.text).toContain('Dear Jürgen Müller,');
    expect(notice.text).not.toContain('Subject:');
    expect(notice.html).toContain('<p>Dear Jürgen Müller,</p>');
  });

  it('should HTML-escape customer data in the html part only', () => {
    const notice = sut.render({ ...recipient, name: '<script>alert(1)</script> & Co' });
    expect(notice.html).not.toContain('<script>');
    expect(notice.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(notice.text).toContain('Dear <script>alert(1)</script> & Co,');
  });

  it('should not let CRLF in a name create a header', () => {
    const notice = sut.render({ ...recipient, name: 'Eve\r\nBcc: victim@example.com' });
    expect(notice.subject).not.toMatch(/[\r\n]/);
    expect(notice.to.name).toBe('Eve Bcc: victim@example.com');
    expect(notice.subject).toBe('A letter from us is on its way, Eve Bcc: victim@example.com');
  });

  it.each([
    ['a line break', 'jm@example.com\r\nBcc: victim@example.com'],
    ['no at sign', 'jm.example.com'],
    ['a space', 'j m@example.com'],
    ['no domain dot', 'jm@localhost'],
    ['a display name', 'Eve <eve@example.com>'],
  ])('should refuse an e-mail address with %s', (_, email) => {
    expect(() => sut.render({ ...recipient, email })).toThrow(InvalidMailAddressError);
  });

  it('should refuse a customer without an e-mail address, naming the customer', () => {
    expect(() => sut.render({ ...recipient, email: undefined })).toThrow(/customer C-1001: email: no e-mail address/);
  });

  it('should refuse a template without a subject line', () => {
    const noSubject = new NoticeRenderer({ template: 'Hello {{name}}', templateName: 'bad.hbs' });
    expect(() => noSubject.render(recipient)).toThrow(/bad.hbs must start with a "Subject: …" line/);
  });
});

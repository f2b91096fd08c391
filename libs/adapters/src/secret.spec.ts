import { plainToInstance } from 'class-transformer';
import { HttpInboundConfig, HttpOutboundConfig } from './http/http.config';
import { SmtpOutboundConfig } from './smtp/smtp.config';
import { PrinterOutboundConfig } from './printer/printer.config';
import { redactSecrets, redactUrlCredentials, Secret, secretSettingsOf } from './secret';

const both = <T extends object>(cls: new () => T, plain: object) => redactSecrets(plain, plainToInstance(cls, plain));

describe(redactSecrets.name, () => {
  it('should hide an API key written inline', () => {
    expect(both(HttpInboundConfig, { apiKey: 'inline-key-123', maxBodyBytes: 1000 })).toEqual({ apiKey: '***', maxBodyBytes: 1000 });
  });

  it('should hide only the credentials of a URL and every value of extra headers', () => {
    const sut = both(HttpOutboundConfig, { url: 'https://bus:pa55@billing.example/api', headers: { Authorization: 'Bearer t0k3n', 'X-Tenant': 'acme' }, timeoutMs: 3000 });
    expect(sut).toEqual({ url: 'https://bus:***@billing.example/api', headers: { Authorization: '***', 'X-Tenant': '***' }, timeoutMs: 3000 });
  });

  it('should keep a URL without credentials readable', () => {
    expect(both(HttpOutboundConfig, { url: 'http://billing:8080/api' })).toEqual({ url: 'http://billing:8080/api' });
  });

  it('should hide a password in a nested settings object', () => {
    const sut = both(SmtpOutboundConfig, { host: 'smtp.example', from: 'a@example.com', auth: { user: 'letters', pass: 'hunter2' } });
    expect(sut).toEqual({ host: 'smtp.example', from: 'a@example.com', auth: { user: 'letters', pass: '***' } });
  });

  it('should hide the credentials of an IPP URL', () => {
    expect(both(PrinterOutboundConfig, { ippUrl: 'ipps://print:secret@cups.example:631/printers/letters' })).toEqual({ ippUrl: 'ipps://print:***@cups.example:631/printers/letters' });
  });

  it('should leave a value already redacted as it is', () => {
    expect(both(HttpOutboundConfig, { url: '***' })).toEqual({ url: '***' });
  });
});

describe(Secret.name, () => {
  it('should be inherited by a subclass', () => {
    class Base {
      @Secret() token = '';
    }
    class Child extends Base {
      @Secret('url') endpoint = '';
    }
    expect([...secretSettingsOf(Child)]).toEqual([
      ['endpoint', 'url'],
      ['token', 'value'],
    ]);
  });
});

describe(redactUrlCredentials.name, () => {
  it('should hide a user name that is the only credential (a token as user)', () => {
    expect(redactUrlCredentials('https://ghp_abc@host/x')).toBe('https://***@host/x');
  });

  it('should hide a value that is not a URL whole', () => {
    expect(redactUrlCredentials('not a url')).toBe('***');
  });
});

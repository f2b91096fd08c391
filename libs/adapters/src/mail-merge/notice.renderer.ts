import { MappingError } from '../adapter.errors';
import { cleanHeaderText, type Mailbox, toMailbox } from '../smtp/mail-address';
import { cleanStrings } from './letter.renderer';
import type { MergeRecipient } from './merge-recipient';
import { compileMergeTemplate, type MergeTemplate, splitSubject } from './merge-template';

/** An e-mail ready for the smtp adapter: header values already clean, the address validated. */
export interface RenderedNotice {
  to: Mailbox;
  subject: string;
  text: string;
  html: string;
}

export interface NoticeRendererOptions {
  /** Handlebars source: first line `Subject: …`, a blank line, then the plain-text body. */
  template: string;
  /** File name for error messages, e.g. `config/templates/notice.hbs`. */
  templateName: string;
}

/**
 * Renders the "your letter is on its way" e-mail. The template is rendered twice: once without
 * escaping for the text part, once with Handlebars' HTML-escaping for the HTML part, so customer
 * data can never inject markup. Pure: no clock, no I/O.
 *
 * Throws InvalidMailAddressError (a MappingError) for a missing or invalid address and
 * MappingError when the template yields no subject.
 */
export class NoticeRenderer {
  private readonly text: MergeTemplate;
  private readonly html: MergeTemplate;

  constructor(private readonly options: NoticeRendererOptions) {
    this.text = compileMergeTemplate(options.template, options.templateName, false);
    this.html = compileMergeTemplate(options.template, options.templateName, true);
  }

  render(recipient: MergeRecipient, extra: Record<string, unknown> = {}): RenderedNotice {
    const to = toMailbox(recipient.email, recipient.name, `customer ${recipient.customerId}: email`);
    const data = { ...cleanStrings(recipient), ...extra };
    const plain = splitSubject(this.text(data));
    const marked = splitSubject(this.html(data));
    if (!plain.subject) {
      throw new MappingError(`template ${this.options.templateName} must start with a "Subject: …" line`, this.options.templateName);
    }
    return {
      to,
      subject: cleanHeaderText(plain.subject),
      text: plain.body + '\n',
      html: toHtml(marked.body),
    };
  }
}

// The escaped render already made values safe; only the template's own line structure becomes markup.
const toHtml = (escapedBody: string): string =>
  '<!doctype html><html><body>' +
  escapedBody
    .split(/\n{2,}/)
    .map((p) => `<p>${p.trim().split('\n').join('<br>\n')}</p>`)
    .join('\n') +
  '</body></html>\n';

import Handlebars from 'handlebars';
import { MappingError } from '../adapter.errors';

/** A compiled Handlebars template; `escape` chooses HTML-escaping of `{{values}}`. */
export type MergeTemplate = (data: object) => string;

// One isolated Handlebars environment: helpers registered by other code never leak into letters.
const handlebars = Handlebars.create();

/**
 * Compiles a template once (at job load), so a syntax error surfaces before any letter is printed.
 * `name` is the file name used in error messages, e.g. `config/templates/letter.hbs`.
 */
export function compileMergeTemplate(source: string, name: string, escape: boolean): MergeTemplate {
  let template: HandlebarsTemplateDelegate;
  try {
    template = handlebars.compile(source, { noEscape: !escape });
    // Handlebars compiles lazily; render once with no data to surface syntax errors now.
    template({});
  } catch (error) {
    throw new MappingError(`template ${name} does not compile: ${(error as Error).message}`, name, { cause: error });
  }
  return (data) => {
    try {
      return template(data);
    } catch (error) {
      throw new MappingError(`template ${name} failed to render: ${(error as Error).message}`, name, { cause: error });
    }
  };
}

/** Splits an optional leading `Subject: …` line off a rendered text. */
export function splitSubject(rendered: string): { subject?: string; body: string } {
  const text = rendered.replace(/^\s*\n/, '');
  const match = /^Subject:[ \t]*(.*)(?:\r?\n|$)/i.exec(text);
  if (!match) return { body: text.trim() };
  return { subject: match[1].trim(), body: text.slice(match[0].length).trim() };
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/** A property's TSDoc: its text, `@default` and `@example`. */
export interface PropertyDoc {
  /** The property has an initializer: the class gives it a default, so the file may leave it out. */
  initialized?: boolean;
  description?: string;
  default?: unknown;
  example?: unknown;
}

/**
 * Class name -> property -> TSDoc, read from the sources of the config classes. The comments the
 * code is documented with become the schema's descriptions, so the editor says what the code says.
 */
export function readPropertyDocs(roots: readonly string[]): Map<string, Map<string, PropertyDoc>> {
  const out = new Map<string, Map<string, PropertyDoc>>();
  for (const file of roots.flatMap(sourcesUnder)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    source.forEachChild((node) => {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const props = new Map<string, PropertyDoc>();
      for (const member of node.members) {
        if (!ts.isPropertyDeclaration(member) || !member.name || !ts.isIdentifier(member.name)) continue;
        const doc = { ...docOf(member), ...(member.initializer ? { initialized: true } : {}) };
        if (Object.keys(doc).length) props.set(member.name.text, doc);
      }
      out.set(node.name.text, props);
    });
  }
  return out;
}

function docOf(node: ts.Node): PropertyDoc | undefined {
  const jsDoc = (node as { jsDoc?: ts.JSDoc[] }).jsDoc?.at(-1);
  if (!jsDoc) return undefined;
  const text = commentText(jsDoc.comment);
  const doc: PropertyDoc = {};
  if (text) doc.description = text;
  for (const tag of jsDoc.tags ?? []) {
    const value = commentText(tag.comment);
    if (tag.tagName.text === 'default' && value) doc.default = literal(value);
    if (tag.tagName.text === 'example' && value) doc.example = literal(value);
  }
  return Object.keys(doc).length ? doc : undefined;
}

const commentText = (comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string =>
  (typeof comment === 'string' ? comment : (comment ?? []).map((c) => c.text).join('')).replace(/\s+/g, ' ').trim();

/** `5000` -> 5000, `"x"` -> "x", `'POST'` -> "POST", anything else as written. */
function literal(text: string): unknown {
  const quoted = /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1];
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sourcesUnder(root: string): string[] {
  if (statSync(root).isFile()) return [root];
  return readdirSync(root, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(root, e.name);
    if (e.isDirectory()) return e.name === '__fixtures__' || e.name === 'testing' ? [] : sourcesUnder(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [full] : [];
  });
}

/**
 * Which environment variables an entry point reads, for checking the manifests against the apps'
 * typed configs. Tools may not import apps (module boundaries), so an app's config file is read as
 * TypeScript source: every `cfg.<kind>('NAME', ...)` call, whether it has a default or is wrapped in
 * `cfg.optional(...)`, and spreads of the shared specs (`...kafkaConfigSpec`).
 */
import fs from 'node:fs';
import ts from 'typescript';
import type { ConfigSpec } from '@gridwerk/shared/util-config';

export interface ConfigVar {
  readonly name: string;
  /** No default and not optional: start-up fails without it. */
  readonly required: boolean;
  /** Must come from a Secret, never from a literal or a ConfigMap. */
  readonly secret: boolean;
}

export function varsOfSpec(spec: ConfigSpec): ConfigVar[] {
  return Object.values(spec).map((f) => ({
    name: f.env,
    required: f.defaultValue === undefined && !f.description.endsWith('(optional)'),
    secret: f.secret === true,
  }));
}

/** Position of the default-value argument of each `cfg` builder (see libs/shared/util-config). */
const DEFAULT_ARG: Readonly<Record<string, number>> = {
  string: 2,
  secret: 2,
  port: 2,
  bool: 2,
  list: 2,
  oneOf: 3,
  url: 3,
};

/** `cfg.<kind>(...)`: the kind, else undefined. */
function cfgCallKind(node: ts.Node): string | undefined {
  if (!ts.isCallExpression(node) || !ts.isPropertyAccessExpression(node.expression)) return undefined;
  const target = node.expression.expression;
  return ts.isIdentifier(target) && target.text === 'cfg' ? node.expression.name.text : undefined;
}

function isPresent(arg: ts.Expression | undefined): boolean {
  return arg !== undefined && !(ts.isIdentifier(arg) && arg.text === 'undefined');
}

function hasDefault(kind: string, args: ts.NodeArray<ts.Expression>): boolean {
  if (kind === 'int') {
    const opts = args[2];
    return (
      opts !== undefined &&
      ts.isObjectLiteralExpression(opts) &&
      opts.properties.some(
        (p) => p.name !== undefined && ts.isIdentifier(p.name) && p.name.text === 'default',
      )
    );
  }
  const at = DEFAULT_ARG[kind];
  return at !== undefined && isPresent(args[at]);
}

/**
 * The variables named in a config source file. `spreads` resolves `...name` spreads of specs the file
 * imports; an unknown spread is an error, so that a new shared spec cannot slip past the check.
 */
export function varsOfSource(
  text: string,
  fileName: string,
  spreads: Readonly<Record<string, ConfigSpec>>,
): ConfigVar[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found = new Map<string, ConfigVar>();
  const add = (v: ConfigVar) => {
    const seen = found.get(v.name);
    // The same variable in two specs of one file (CLI and service): required only if required in both.
    found.set(
      v.name,
      seen ? { name: v.name, required: seen.required && v.required, secret: seen.secret || v.secret } : v,
    );
  };
  const visit = (node: ts.Node): void => {
    const kind = cfgCallKind(node);
    if (kind !== undefined && kind !== 'optional' && ts.isCallExpression(node)) {
      const first = node.arguments[0];
      if (first !== undefined && ts.isStringLiteralLike(first)) {
        const optional = cfgCallKind(node.parent) === 'optional';
        const secret =
          kind === 'secret' || (kind === 'url' && node.arguments[4]?.kind !== ts.SyntaxKind.FalseKeyword);
        add({ name: first.text, required: !optional && !hasDefault(kind, node.arguments), secret });
      }
    } else if (
      ts.isSpreadAssignment(node) &&
      ts.isIdentifier(node.expression) &&
      /ConfigSpec$/.test(node.expression.text)
    ) {
      const spec = spreads[node.expression.text];
      if (spec === undefined) throw new Error(`${fileName}: spread of unknown spec ${node.expression.text}`);
      varsOfSpec(spec).forEach(add);
    } else if (
      // Hand-read variables: env['NAME'] (treated as optional: the reader decides its default).
      ts.isElementAccessExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'env' &&
      ts.isStringLiteralLike(node.argumentExpression)
    ) {
      add({ name: node.argumentExpression.text, required: false, secret: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...found.values()];
}

export function varsOfFile(file: string, spreads: Readonly<Record<string, ConfigSpec>>): ConfigVar[] {
  return varsOfSource(fs.readFileSync(file, 'utf8'), file, spreads);
}

/** Merges variable lists of one entry point (platform spec + app spec ...). */
export function mergeVars(...lists: readonly ConfigVar[][]): Map<string, ConfigVar> {
  const out = new Map<string, ConfigVar>();
  for (const v of lists.flat()) {
    const seen = out.get(v.name);
    out.set(
      v.name,
      seen ? { name: v.name, required: seen.required && v.required, secret: seen.secret || v.secret } : v,
    );
  }
  return out;
}

/**
 * `npm run grid-api:openapi [-- --out FILE]`: writes grid-api's OpenAPI document, built from the Nest app
 * in `preview: true` mode (no provider is instantiated: no database, broker or OIDC connection), to the
 * dashboard's committed copy `apps/dashboard/src/api/openapi.json`. A test checks that the served document
 * equals the committed one. Exit codes: 0 written, 2 bad flags, 1 failure.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { GridApiAppModule } from './app.module';
import { loadGridApiPreviewConfig } from './config/grid-api.config';
import { createGridApiOpenApiDocument } from './openapi';
import {
  EXIT_OK,
  EXIT_USAGE,
  type FlagTable,
  helpText,
  parseCommandLine,
  UsageError,
} from '@gridwerk/shared/util-config';

export const DEFAULT_OPENAPI_OUT = path.resolve(__dirname, '../../dashboard/src/api/openapi.json');

/** The document as committed: two-space JSON with a final newline. */
export async function gridApiOpenApiText(): Promise<string> {
  const app = await NestFactory.create(GridApiAppModule.forRoot(loadGridApiPreviewConfig()), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    return `${JSON.stringify(createGridApiOpenApiDocument(app), null, 2)}\n`;
  } finally {
    await app.close();
  }
}

const FLAGS = {
  out: {
    kind: 'value',
    arg: 'FILE',
    help: 'where to write it (default: apps/dashboard/src/api/openapi.json)',
  },
  help: { kind: 'boolean', short: 'h', help: 'this help' },
} as const satisfies FlagTable;

const HELP = helpText({
  usage: 'Usage: npm run grid-api:openapi [-- --out FILE]',
  description: "Writes grid-api's OpenAPI document (preview mode: no database, broker or OIDC connection).",
  flags: FLAGS,
  footer: 'Exit codes: 0 written, 2 bad flags, 1 failure.',
});

async function main(argv: string[]): Promise<number> {
  let out = DEFAULT_OPENAPI_OUT;
  try {
    const { flags } = parseCommandLine(argv, FLAGS);
    if (flags.help === true) {
      process.stdout.write(`${HELP}\n`);
      return EXIT_OK;
    }
    if (flags.out !== undefined) out = path.resolve(flags.out);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`grid-api:openapi: ${e.message} (see --help)\n`);
    return EXIT_USAGE;
  }
  const text = await gridApiOpenApiText();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), out)} (${Object.keys((JSON.parse(text) as { paths: object }).paths).length} paths)\n`,
  );
  return EXIT_OK;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`grid-api:openapi: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

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

async function main(argv: string[]): Promise<number> {
  let out = DEFAULT_OPENAPI_OUT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(
        'usage: npm run grid-api:openapi [-- --out FILE]   (default: apps/dashboard/src/api/openapi.json)\n',
      );
      return 0;
    }
    if (a === '--out' && argv[i + 1]) {
      out = path.resolve(argv[++i] ?? out);
      continue;
    }
    process.stderr.write(`grid-api:openapi: unknown or incomplete flag ${a ?? ''} (see --help)\n`);
    return 2;
  }
  const text = await gridApiOpenApiText();
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), out)} (${Object.keys((JSON.parse(text) as { paths: object }).paths).length} paths)\n`,
  );
  return 0;
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

import { spawn } from 'node:child_process';
import path from 'node:path';

export interface ShaclReport {
  conforms: boolean;
  results: { focusNode?: string; path?: string; message: string[] }[];
}

// rdf-validate-shacl is an ES module; Jest runs CommonJS, so the validation runs in a node child process.
const SCRIPT = `
import SHACLValidator from 'rdf-validate-shacl';
import { Parser, Store } from 'n3';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { data, shapes } = JSON.parse(input);
const validator = new SHACLValidator(new Store(new Parser().parse(shapes)));
const report = await validator.validate(new Store(new Parser().parse(data)));
process.stdout.write(JSON.stringify({
  conforms: report.conforms,
  results: report.results.map((r) => ({ focusNode: r.focusNode?.value, path: r.path?.value, message: r.message.map((m) => m.value) })),
}));
`;

/** Validates Turtle data against Turtle SHACL shapes with rdf-validate-shacl. */
export function validateShacl(data: string, shapes: string): Promise<ShaclReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: path.resolve(__dirname, '..', '..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`SHACL validation failed to run (${code}): ${err}`));
      resolve(JSON.parse(out) as ShaclReport);
    });
    child.stdin.end(JSON.stringify({ data, shapes }));
  });
}

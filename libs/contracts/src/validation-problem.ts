import { Static, Type } from '@sinclair/typebox';

/** One thing wrong with an input: where (JSON pointer), what (stable code) and a sentence for humans. */
export const ValidationProblemSchema = Type.Object(
  {
    path: Type.String({ description: 'JSON pointer, e.g. /data/importWh; empty for the whole input' }),
    code: Type.String({ minLength: 1, description: 'Stable code, e.g. schema.integer' }),
    message: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type ValidationProblem = Static<typeof ValidationProblemSchema>;

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

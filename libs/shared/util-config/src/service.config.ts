/**
 * One typed config per app, validated once at start-up. A spec maps each field to an environment
 * variable and a parser; `loadConfig` reports every missing or bad variable by name, not just the first.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface FieldSpec<T> {
  readonly env: string;
  readonly description: string;
  readonly defaultValue?: T;
  /** Secrets are never echoed back in error messages. */
  readonly secret?: boolean;
  parse(raw: string): T;
}

export type ConfigSpec = Record<string, FieldSpec<unknown>>;
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends FieldSpec<infer T> ? T : never;
};

export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service}: invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

class ParseError extends Error {}

function field<T>(
  env: string,
  description: string,
  parse: (raw: string) => T,
  defaultValue?: T,
  secret = false,
): FieldSpec<T> {
  return { env, description, parse, ...(defaultValue !== undefined ? { defaultValue } : {}), secret };
}

export const cfg = {
  string(env: string, description: string, defaultValue?: string): FieldSpec<string> {
    return field(env, description, (raw) => raw, defaultValue);
  },
  secret(env: string, description: string, defaultValue?: string): FieldSpec<string> {
    return field(env, description, (raw) => raw, defaultValue, true);
  },
  int(
    env: string,
    description: string,
    opts: { min?: number; max?: number; default?: number } = {},
  ): FieldSpec<number> {
    return field(
      env,
      description,
      (raw) => {
        if (!/^-?\d+$/.test(raw.trim())) throw new ParseError(`must be an integer, got "${raw}"`);
        const n = Number(raw);
        if (opts.min !== undefined && n < opts.min) throw new ParseError(`must be >= ${opts.min}, got ${n}`);
        if (opts.max !== undefined && n > opts.max) throw new ParseError(`must be <= ${opts.max}, got ${n}`);
        return n;
      },
      opts.default,
    );
  },
  port(env: string, description: string, defaultValue?: number): FieldSpec<number> {
    return cfg.int(env, description, {
      min: 1,
      max: 65535,
      ...(defaultValue !== undefined ? { default: defaultValue } : {}),
    });
  },
  bool(env: string, description: string, defaultValue?: boolean): FieldSpec<boolean> {
    return field(
      env,
      description,
      (raw) => {
        const v = raw.trim().toLowerCase();
        if (['1', 'true', 'yes', 'on'].includes(v)) return true;
        if (['0', 'false', 'no', 'off'].includes(v)) return false;
        throw new ParseError(`must be true or false, got "${raw}"`);
      },
      defaultValue,
    );
  },
  oneOf<const T extends string>(
    env: string,
    description: string,
    values: readonly T[],
    defaultValue?: T,
  ): FieldSpec<T> {
    return field(
      env,
      description,
      (raw) => {
        if (!(values as readonly string[]).includes(raw))
          throw new ParseError(`must be one of ${values.join(', ')}, got "${raw}"`);
        return raw as T;
      },
      defaultValue,
    );
  },
  list(env: string, description: string, defaultValue?: string[]): FieldSpec<string[]> {
    return field(
      env,
      description,
      (raw) => {
        const items = raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        if (items.length === 0) throw new ParseError('must be a non-empty comma-separated list');
        return items;
      },
      defaultValue,
    );
  },
  url(
    env: string,
    description: string,
    protocols: readonly string[],
    defaultValue?: string,
    secret = true,
  ): FieldSpec<string> {
    return field(
      env,
      description,
      (raw) => {
        let u: URL;
        try {
          u = new URL(raw);
        } catch {
          throw new ParseError('must be a URL');
        }
        if (!protocols.includes(u.protocol.replace(/:$/, '')))
          throw new ParseError(`must use ${protocols.join(' or ')}`);
        return raw;
      },
      defaultValue,
      secret,
    );
  },
  optional<T>(spec: FieldSpec<T>): FieldSpec<T | undefined> {
    return {
      env: spec.env,
      description: `${spec.description} (optional)`,
      parse: (raw) => spec.parse(raw),
      secret: spec.secret ?? false,
    };
  },
};

export function loadConfig<S extends ConfigSpec>(
  service: string,
  spec: S,
  env: Env = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, f] of Object.entries(spec)) {
    const raw = env[f.env];
    if (raw === undefined || raw === '') {
      if (f.defaultValue !== undefined) out[key] = f.defaultValue;
      else if (f.description.endsWith('(optional)')) out[key] = undefined;
      else problems.push(`${f.env} is missing: ${f.description}`);
      continue;
    }
    try {
      out[key] = f.parse(raw);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      problems.push(`${f.env} ${f.secret ? why.replace(/".*"/, '"***"') : why}: ${f.description}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(service, problems);
  return out as ConfigOf<S>;
}

/** Markdown table of a spec, so the README's configuration reference is generated, never hand-drifted. */
export function describeConfig(spec: ConfigSpec): string {
  const rows = Object.values(spec).map((f) => {
    const dv = f.defaultValue;
    const shown = Array.isArray(dv)
      ? dv.join(',')
      : typeof dv === 'string' || typeof dv === 'number' || typeof dv === 'boolean'
        ? String(dv)
        : JSON.stringify(dv);
    const def = dv === undefined ? '' : f.secret ? '(set)' : `\`${shown}\``;
    return `| \`${f.env}\` | ${def} | ${f.description} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** Fields every long-running service has. */
export function serviceConfigSpec(defaultHttpPort: number) {
  return {
    httpPort: cfg.port('HTTP_PORT', 'port of the HTTP API, /health and /metrics', defaultHttpPort),
    // this host only by default (demo, a developer's machine); the k8s Deployments set 0.0.0.0, so that the
    // probes and the Service reach the pod IP
    httpHost: cfg.string(
      'HTTP_HOST',
      'address the HTTP server binds to (0.0.0.0: every interface, as in a pod)',
      '127.0.0.1',
    ),
    logLevel: cfg.oneOf(
      'LOG_LEVEL',
      'minimum log level',
      ['debug', 'info', 'warn', 'error'] as const,
      'info',
    ),
  };
}

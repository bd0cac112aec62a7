/** The API server's settings (environment), and the rule that it never runs open by accident. */

export interface ApiConfig {
  host: string;
  port: number;
  token: string | null;
  corsOrigins: string[];
}

export const API_DEFAULT_PORT = 8080;

/**
 * A missing token is an error unless the server binds to 127.0.0.1 AND the dev flag says so
 * (AIFB_API_DEV_NO_AUTH=1): nobody ships an open API by forgetting a variable.
 */
export function apiConfig(env: NodeJS.ProcessEnv, overrides: Partial<ApiConfig> = {}): ApiConfig {
  const host = overrides.host ?? env.AIFB_API_HOST ?? '127.0.0.1';
  const port = overrides.port ?? Number(env.AIFB_API_PORT ?? API_DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`AIFB_API_PORT: not a port: ${port}`);
  const token = overrides.token !== undefined ? overrides.token : env.AIFB_API_TOKEN || null;
  if (token === null) {
    const devFlag = env.AIFB_API_DEV_NO_AUTH === '1';
    if (!devFlag || host !== '127.0.0.1') {
      throw new Error(
        'the API needs a bearer token for its mutating routes: set AIFB_API_TOKEN ' +
          '(only on 127.0.0.1, AIFB_API_DEV_NO_AUTH=1 runs it without one for local development)',
      );
    }
  } else if (token.length < 16) {
    throw new Error('AIFB_API_TOKEN: use at least 16 characters (e.g. `openssl rand -hex 24`)');
  }
  const corsOrigins = (overrides.corsOrigins ?? (env.AIFB_API_CORS_ORIGINS ?? '').split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  return { host, port, token, corsOrigins };
}

import { describe, expect, it } from 'vitest';
import { apiConfig } from './config';

const TOKEN = 'a-token-of-24-characters';

describe('apiConfig', () => {
  it('defaults to 127.0.0.1:8080 with the configured token, CORS off', () => {
    expect(apiConfig({ AIFB_API_TOKEN: TOKEN })).toEqual({
      host: '127.0.0.1',
      port: 8080,
      token: TOKEN,
      corsOrigins: [],
    });
  });

  it('refuses to start without a token', () => {
    expect(() => apiConfig({})).toThrow(/AIFB_API_TOKEN/);
  });

  it('runs without a token only on 127.0.0.1 with the explicit dev flag', () => {
    expect(apiConfig({ AIFB_API_DEV_NO_AUTH: '1' }).token).toBeNull();
    expect(() => apiConfig({ AIFB_API_DEV_NO_AUTH: '1', AIFB_API_HOST: '0.0.0.0' })).toThrow(/127\.0\.0\.1/);
  });

  it('refuses a short token and reads CORS origins', () => {
    expect(() => apiConfig({ AIFB_API_TOKEN: 'short' })).toThrow(/16 characters/);
    expect(
      apiConfig({ AIFB_API_TOKEN: TOKEN, AIFB_API_CORS_ORIGINS: 'http://grafana:3000, https://g.example' })
        .corsOrigins,
    ).toEqual(['http://grafana:3000', 'https://g.example']);
  });
});

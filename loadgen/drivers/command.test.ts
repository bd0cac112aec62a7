import { describe, expect, it } from 'vitest';
import { validConfig } from '../testing';
import { commandEnv, parseCommandRecords } from './command';

describe('command client', () => {
  it('keeps valid records and counts the others, naming the first problem', () => {
    const text = [
      '{"start":1000,"end":1010.5,"ok":true,"class":"read","counters":{"rows":3}}',
      '{"start":1000,"end":1001,"ok":false,"error":"timeout"}',
      'not json',
      '{"start":2000,"end":1000,"ok":true}',
      '{"start":1,"end":2,"ok":true,"extra":1}',
      '',
    ].join('\n');
    const parsed = parseCommandRecords(text);
    expect(parsed.records).toHaveLength(2);
    expect(parsed.bad).toBe(3);
    expect(parsed.firstProblem).toBe('line 3: not JSON');
  });

  it('puts the service address and this client share of the load in the environment', () => {
    const env = commandEnv(
      {
        ...validConfig,
        baseUrl: 'http://[::1]:8123',
        load: { mode: 'poisson', rate: 10 },
        timing: { warmupMs: 1500, durationMs: 20_000, cooldownMs: 0 },
      },
      1,
      { concurrency: null, ratePerS: 5, maxRequests: null },
      '/job/command-records-0-1.jsonl',
    );
    expect(env).toMatchObject({
      SERVICE_URL: 'http://[::1]:8123',
      SERVICE_HOSTNAME: '::1',
      SERVICE_PORT: '8123',
      AIFB_STAGE: 'c16',
      AIFB_CLIENT_INDEX: '1',
      AIFB_CLIENT_COUNT: '2',
      AIFB_LOAD_MODE: 'poisson',
      AIFB_RATE: '5',
      AIFB_WARMUP_S: '1.5',
      AIFB_DURATION_S: '20',
      AIFB_RECORDS: '/job/command-records-0-1.jsonl',
    });
    expect(env.AIFB_CONCURRENCY).toBeUndefined();
  });
});

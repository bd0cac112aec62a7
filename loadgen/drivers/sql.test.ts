import { describe, expect, it } from 'vitest';
import type { LoadgenConfig, SqlWorkloadSettings } from '../../core/loadgen-protocol';
import { validConfig } from '../testing';
import { sqlErrorKind, sqlPoolSize } from './sql';

const settings = { connections: 10 } as SqlWorkloadSettings;
const config = (load: LoadgenConfig['load'], clientCount = 3): LoadgenConfig => ({
  ...validConfig,
  load,
  clientCount,
});

describe('sql driver', () => {
  it('keeps one connection per transaction in flight: the closed loop share, the open-loop cap, else connections', () => {
    const size = (c: LoadgenConfig, i: number) => sqlPoolSize({ config: c, clientIndex: i }, settings);
    expect([0, 1, 2].map((i) => size(config({ mode: 'concurrency', concurrency: 8 }), i))).toEqual([3, 3, 2]);
    expect(size(config({ mode: 'poisson', rate: 10, maxConcurrency: 6 }), 0)).toBe(2);
    expect([0, 1, 2].map((i) => size(config({ mode: 'constant', rate: 10 }), i))).toEqual([4, 3, 3]);
    expect([0, 1].map((i) => size(config({ mode: 'synchronous' }, 2), i))).toEqual([1, 0]);
  });

  it('names failures by SQLSTATE, a statement timeout as timeout and lost connections as connection', () => {
    const pgError = (code: string) => Object.assign(new Error('x'), { code, severity: 'ERROR' });
    expect(sqlErrorKind(pgError('40001'))).toBe('sql_40001');
    expect(sqlErrorKind(pgError('23505'))).toBe('sql_23505');
    expect(sqlErrorKind(pgError('57014'))).toBe('timeout');
    expect(sqlErrorKind(pgError('57P01'))).toBe('connection');
    expect(sqlErrorKind(pgError('08006'))).toBe('connection');
    expect(sqlErrorKind(pgError('28P01'))).toBe('sql_auth');
    expect(sqlErrorKind(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(
      'connection_refused',
    );
    expect(sqlErrorKind(new Error('Connection terminated unexpectedly'))).toBe('connection');
    expect(sqlErrorKind(new Error('timeout exceeded when trying to connect'))).toBe('connection_timeout');
    expect(sqlErrorKind(new Error('something else'))).toBe('other');
  });
});

import { describe, expect, it } from 'vitest';
import { parseRecipe } from '../recipe';
import { SLURM_TARGET_ENV, siteSlurmDefaults, withSiteTarget } from './site-target';

const env = {
  AIFB_SLURM_HOST: 'login.lxp.lu',
  AIFB_SLURM_PORT: '8822',
  AIFB_SLURM_USER: 'u123456',
  AIFB_SLURM_IDENTITY_FILE: '/home/aifb/.ssh/id_ed25519',
  AIFB_SLURM_KNOWN_HOSTS: '/home/aifb/.ssh/known_hosts',
  AIFB_SLURM_ACCOUNT: 'p200981',
  AIFB_SLURM_WORKDIR: '/project/home/p200981/aifb',
  AIFB_SLURM_QOS: '',
};
const recipe = (target: unknown) => ({
  name: 'site',
  target,
  service: { kind: 'simulator' },
  workload: {
    kind: 'openai-chat',
    stages: [{ name: 's', mode: 'concurrency', concurrency: 1, duration: '5s' }],
  },
});

describe('the site Slurm target from the environment', () => {
  it('completes `target: { executor: slurm }` into a valid recipe', () => {
    const parsed = parseRecipe(withSiteTarget(recipe({ executor: 'slurm' }), env));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok || parsed.recipe.target.executor !== 'slurm') throw new Error('not a slurm recipe');
    expect(parsed.recipe.target.slurm).toMatchObject({
      host: 'login.lxp.lu',
      port: 8822,
      user: 'u123456',
      identityFile: '/home/aifb/.ssh/id_ed25519',
      account: 'p200981',
      workdir: '/project/home/p200981/aifb',
    });
    expect(parsed.recipe.target.slurm.qos).toBeUndefined(); // empty means unset
  });

  it('never overrides what the recipe says', () => {
    const input = recipe({ executor: 'slurm', slurm: { host: 'other.example', partition: 'cpu' } });
    const out = withSiteTarget(input, env) as { target: { slurm: Record<string, unknown> } };
    expect(out.target.slurm.host).toBe('other.example');
    expect(out.target.slurm.partition).toBe('cpu');
    expect(out.target.slurm.user).toBe('u123456');
    expect((input.target as { slurm: Record<string, unknown> }).slurm.user).toBeUndefined(); // a copy
  });

  it('leaves local recipes, non-objects and an environment without settings alone', () => {
    const local = recipe({ executor: 'local' });
    expect(withSiteTarget(local, env)).toBe(local);
    expect(withSiteTarget('text', env)).toBe('text');
    const slurm = recipe({ executor: 'slurm' });
    expect(withSiteTarget(slurm, {})).toBe(slurm);
  });

  it('lets the schema report a bad value with its path', () => {
    const parsed = parseRecipe(
      withSiteTarget(recipe({ executor: 'slurm' }), { ...env, AIFB_SLURM_PORT: 'ssh' }),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.map((i) => i.path)).toContain('target.slurm.port');
  });

  it('reads exactly the variables it documents', () => {
    expect(Object.keys(siteSlurmDefaults(env)).sort()).toEqual(
      Object.entries(SLURM_TARGET_ENV)
        .filter(([, name]) => env[name as keyof typeof env])
        .map(([field]) => field)
        .sort(),
    );
  });
});

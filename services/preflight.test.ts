import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecipe, type RecipeInput, type ServiceSpec } from '../core/recipe';
import { localProblems, resolveExecutable } from './preflight';

function service(input: RecipeInput['service']): ServiceSpec {
  const parsed = parseRecipe({
    name: 'p',
    service: input,
    workload: { kind: 'openai-chat', stages: [{ mode: 'synchronous', duration: '5s' }] },
  });
  if (!parsed.ok || parsed.recipe.service.kind === 'deployment') throw new Error('bad test recipe');
  return parsed.recipe.service;
}

describe('local pre-flight', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aifb-preflight-'));
  const program = join(dir, 'llama-server');
  writeFileSync(program, '#!/bin/sh\n');
  chmodSync(program, 0o755);
  const model = join(dir, 'm.gguf');
  writeFileSync(model, 'gguf');

  it('finds programs on PATH or by path, executable only', () => {
    expect(resolveExecutable('llama-server', dir)).toBe(program);
    expect(resolveExecutable(program)).toBe(program);
    expect(resolveExecutable(model)).toBeNull();
    expect(resolveExecutable('no-such-program-aifb', dir)).toBeNull();
  });

  it('names the field and the missing program or model', () => {
    expect(localProblems(service({ kind: 'llamacpp', binary: program, model }))).toEqual([]);
    expect(
      localProblems(service({ kind: 'llamacpp', binary: join(dir, 'nope'), model: join(dir, 'x.gguf') })),
    ).toEqual([
      `service.binary: ${join(dir, 'nope')} is not an executable file`,
      `service.model: ${join(dir, 'x.gguf')} does not exist`,
    ]);
    expect(localProblems(service({ kind: 'command', command: ['no-such-program-aifb'] }))).toEqual([
      'service.command.0: no-such-program-aifb is not an executable on PATH',
    ]);
    // A model id (vLLM, Ollama) is not a file: only the program is checked.
    expect(localProblems(service({ kind: 'ollama', binary: program, model: 'llama3.2:1b' }))).toEqual([]);
  });

  it('with an image, checks apptainer and a .sif path instead of the program', () => {
    const problems = localProblems(service({ kind: 'vllm', model: 'm', image: join(dir, 'missing.sif') }));
    expect(problems).toContain(`service.image: ${join(dir, 'missing.sif')} does not exist`);
  });
});

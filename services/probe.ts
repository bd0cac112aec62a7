/**
 * Is the service ready, and what is it? Ready means its readiness path answers 2xx and, for the
 * LLM kinds, a real 1-token completion succeeds: a port opens long before a model is loaded.
 * The identity (served models, server version) goes into the summary.
 */

import { httpGet, httpPostJson } from '../activities/http-probe';
import { isLlmWorkload, type WorkloadKind } from '../core/loadgen-protocol';
import type { ServiceSpec } from '../core/recipe';
import { modelName } from '../core/recipe-read';
import { completionCheck, healthPath, KIND_FACTS } from '../core/service-kinds';
import type { ServiceIdentity } from '../core/summary-format';
import { checkEmbeddings, embeddingsPath } from '../loadgen/drivers/embeddings';
import { endpointPath } from '../loadgen/request';
import { postgresProblem, postgresVersion } from './postgres';

/** `base` + `path`, without doubling a /v1 the base URL already ends with. */
export function serviceUrl(base: string, path: string): string {
  const trimmed = base.replace(/\/+$/, '');
  if (path.startsWith('/v1/') && trimmed.endsWith('/v1')) return `${trimmed}${path.slice(3)}`;
  return `${trimmed}${path}`;
}

/** What the probes need to know: the service, the API its clients speak, and the key's variable. */
export interface ProbeSpec {
  service: ServiceSpec;
  api?: WorkloadKind;
  apiKeyEnv?: string;
  /** A postgres service's password, as its job wrote it (null: not yet). */
  password?: string | null;
}

/** The bearer header when an API key variable is named and set here. */
export function authHeaders(apiKeyEnv: string | undefined): Record<string, string> {
  const key = apiKeyEnv ? process.env[apiKeyEnv] : undefined;
  return key ? { authorization: `Bearer ${key}` } : {};
}

const snippet = (text: string) => {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 200 ? `${one.slice(0, 200)}…` : one;
};

/** null when its readiness path answers 2xx; otherwise what it answered, in words. */
export async function healthProblem(
  base: string,
  probe: ProbeSpec,
  timeoutMs = 5000,
): Promise<string | null> {
  const path = healthPath(probe.service);
  try {
    const res = await httpGet(serviceUrl(base, path), timeoutMs, authHeaders(probe.apiKeyEnv));
    return res.status >= 200 && res.status < 300
      ? null
      : `GET ${path} answered ${res.status} ${snippet(res.body)}`;
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return `GET ${path} failed: ${error.code ?? error.message}`;
  }
}

/** null when ready; otherwise what is still wrong, in words for the failure message. */
export async function readinessProblem(
  base: string,
  probe: ProbeSpec,
  timeoutMs = 5000,
): Promise<string | null> {
  const { service } = probe;
  if (KIND_FACTS[service.kind].protocol === 'postgres')
    return postgresProblem(base, probe.password ?? null, timeoutMs);
  const headers = authHeaders(probe.apiKeyEnv);
  const unhealthy = await healthProblem(base, probe, timeoutMs);
  if (unhealthy !== null) return unhealthy;
  if (!completionCheck(service)) return null;
  const api = probe.api ?? 'openai-chat';
  if (api === 'openai-embeddings') return embeddingProblem(base, probe, Math.max(timeoutMs, 60_000));
  // Only an LLM workload needs the service to complete; others are served once it is healthy.
  if (!isLlmWorkload(api)) return null;
  const completionPath = endpointPath(base, api);
  const body =
    api === 'openai-chat'
      ? { model: modelName({ service }), messages: [{ role: 'user', content: 'Hello' }], max_tokens: 1 }
      : { model: modelName({ service }), prompt: 'Hello', max_tokens: 1 };
  try {
    // The first completion may load the model (Ollama) or compile kernels: allow it longer.
    const res = await httpPostJson(
      new URL(completionPath, base).href,
      body,
      Math.max(timeoutMs, 60_000),
      headers,
    );
    if (res.status !== 200) return `a 1-token completion answered ${res.status} ${snippet(res.body)}`;
    const parsed = JSON.parse(res.body) as { choices?: unknown[] };
    if (!Array.isArray(parsed.choices) || parsed.choices.length === 0)
      return `a 1-token completion answered without choices: ${snippet(res.body)}`;
    return null;
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return `a 1-token completion failed: ${error.code ?? error.message}`;
  }
}

/** null when a 1-input embedding answers with one vector (a model loaded in embedding mode). */
async function embeddingProblem(base: string, probe: ProbeSpec, timeoutMs: number): Promise<string | null> {
  const body = { model: modelName({ service: probe.service }), input: 'Hello' };
  try {
    const res = await httpPostJson(
      new URL(embeddingsPath(base), base).href,
      body,
      timeoutMs,
      authHeaders(probe.apiKeyEnv),
    );
    if (res.status !== 200) return `a 1-input embedding answered ${res.status} ${snippet(res.body)}`;
    const check = checkEmbeddings(res.body, 1, 1);
    return check.ok ? null : `a 1-input embedding answered badly: ${check.detail ?? check.error}`;
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return `a 1-input embedding failed: ${error.code ?? error.message}`;
  }
}

/** Model metadata worth keeping: sizes and context lengths, not whole config blobs. */
const MODEL_FIELDS = ['owned_by', 'root', 'max_model_len', 'meta', 'details'] as const;

/** What is serving: the models it lists and its version. Best effort: a part it lacks is null. */
export async function serviceIdentity(base: string, probe: ProbeSpec): Promise<ServiceIdentity> {
  const { service } = probe;
  const headers = authHeaders(probe.apiKeyEnv);
  const identity: ServiceIdentity = {
    kind: service.kind,
    requestedModel: modelName({ service }),
    models: [],
    version: null,
  };
  if (KIND_FACTS[service.kind].protocol === 'postgres') {
    // No models: what serves is the server's version.
    const answer = probe.password ? await postgresVersion(base, probe.password) : { problem: 'no password' };
    if ('version' in answer) identity.version = answer.version;
    else identity.problems = [answer.problem];
    return identity;
  }
  const facts = KIND_FACTS[service.kind];
  if (facts.models) {
    try {
      const res = await httpGet(serviceUrl(base, '/v1/models'), 5000, headers);
      const listed = (JSON.parse(res.body) as { data?: Record<string, unknown>[] }).data ?? [];
      identity.models = listed.slice(0, 20).map((m) => {
        const kept: Record<string, unknown> = {};
        for (const field of MODEL_FIELDS) if (m[field] !== undefined) kept[field] = m[field];
        return { id: String(m.id), ...kept };
      });
    } catch (err) {
      identity.problems = [...(identity.problems ?? []), `GET /v1/models: ${(err as Error).message}`];
    }
  }
  const version = facts.version;
  if (version) {
    try {
      const res = await httpGet(serviceUrl(base, version.path), 5000, headers);
      const parsed = JSON.parse(res.body) as unknown;
      const value = version.field === null ? parsed : (parsed as Record<string, unknown>)[version.field];
      identity.version = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
    } catch (err) {
      identity.problems = [...(identity.problems ?? []), `GET ${version.path}: ${(err as Error).message}`];
    }
  }
  return identity;
}

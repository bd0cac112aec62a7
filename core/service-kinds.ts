/**
 * What each service kind is, as data: where it says it is ready, whether readiness needs a
 * real completion, where its metrics and its version are, whether it runs as a job at all.
 * Pure: the workflow imports it. The launch lines are in services/launch.ts.
 */
import type { ServiceKind, ServiceSpec } from './recipe';

export interface KindFacts {
  /**
   * What the service speaks, and so how readiness and identity are asked: `http` (the readiness
   * path, a completion, /v1/models) or `postgres` (a real `SELECT 1` over the wire protocol).
   */
  protocol: 'http' | 'postgres';
  /** Readiness path when the recipe gives none (http only). */
  healthPath: string;
  /** Ready means answering a 1-token completion too (the port opens before the model loads). */
  completionCheck: boolean;
  /** Prometheus text, or null when the kind exports none. */
  metricsPath: string | null;
  /** Where the server says its version, and the JSON field holding it. */
  version: { path: string; field: string } | null;
  /** The job launches it; false: it is already running somewhere (nothing to submit or tear down). */
  launched: boolean;
}

export const KIND_FACTS: Record<ServiceKind, KindFacts> = {
  simulator: {
    protocol: 'http',
    healthPath: '/health',
    completionCheck: true,
    metricsPath: '/metrics',
    version: null,
    launched: true,
  },
  command: {
    protocol: 'http',
    healthPath: '/health',
    completionCheck: false,
    metricsPath: '/metrics',
    version: null,
    launched: true,
  },
  vllm: {
    protocol: 'http',
    healthPath: '/health',
    completionCheck: true,
    metricsPath: '/metrics',
    version: { path: '/version', field: 'version' },
    launched: true,
  },
  llamacpp: {
    protocol: 'http',
    healthPath: '/health',
    completionCheck: true,
    metricsPath: '/metrics',
    version: { path: '/props', field: 'build_info' },
    launched: true,
  },
  ollama: {
    protocol: 'http',
    healthPath: '/api/version',
    completionCheck: true,
    metricsPath: null,
    version: { path: '/api/version', field: 'version' },
    launched: true,
  },
  postgres: {
    protocol: 'postgres',
    healthPath: '/',
    completionCheck: false,
    metricsPath: null,
    version: null,
    launched: true,
  },
  external: {
    protocol: 'http',
    healthPath: '/v1/models',
    completionCheck: true,
    metricsPath: null,
    version: null,
    launched: false,
  },
};

/** Service kind postgres: the superuser its job creates and the database clients use. */
export const POSTGRES_ROLE = 'aifb';
export const POSTGRES_DATABASE = 'postgres';

export function healthPath(service: ServiceSpec): string {
  return service.health.path ?? KIND_FACTS[service.kind].healthPath;
}

export function completionCheck(service: ServiceSpec): boolean {
  return service.health.completion ?? KIND_FACTS[service.kind].completionCheck;
}

export function metricsPath(service: ServiceSpec): string | null {
  if (service.kind === 'external') return service.metricsPath ?? null;
  return KIND_FACTS[service.kind].metricsPath;
}

/** False for a service that is already running (`external`): no job, no teardown of it. */
export function isLaunched(service: ServiceSpec): boolean {
  return KIND_FACTS[service.kind].launched;
}

/** An image named by URI (docker://, oras://, library://), pulled into the cache; else a .sif path. */
export function isImageUri(image: string): boolean {
  return /^[a-z]+:\/\//.test(image);
}

/** The image to pull before the service job can start; null when there is none or it is a .sif. */
export function imageToPull(service: ServiceSpec): string | null {
  const image = 'image' in service ? service.image : undefined;
  return image && isImageUri(image) ? image : null;
}

/**
 * The cache file name of a pulled image: readable, safe for a shell word, and distinct per
 * URI (a short FNV-1a hash of the whole URI keeps `a/b:c` and `a_b:c` apart).
 */
export function imageFileName(uri: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < uri.length; i++) {
    hash ^= uri.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const readable = uri
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 80);
  return `${readable}-${hash.toString(16).padStart(8, '0')}.sif`;
}

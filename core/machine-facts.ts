/**
 * Reads what slurm-scripts/facts.sh wrote inside a job task (`key=value` lines) into NodeFacts,
 * and gathers a run's jobs into its environment. Pure: activities/environment.ts does the I/O.
 */
import type { GpuFacts, JobEnvironment, NodeFacts, RunEnvironment } from './summary-format';

const int = (v: string | undefined): number | null => {
  if (v === undefined || !/^\d+$/.test(v.trim())) return null;
  return Number(v.trim());
};
const text = (v: string | undefined): string | null => (v === undefined || v.trim() === '' ? null : v.trim());

/**
 * One nvidia-smi row `index, name, driver_version, memory.total, uuid` (csv,noheader,nounits).
 * Read from both ends, so a comma inside a name cannot shift the other columns.
 */
function gpuRow(line: string): (GpuFacts['list'][number] & { driver: string | null }) | null {
  const cells = line.split(',').map((c) => c.trim());
  if (cells.length < 5 || !/^\d+$/.test(cells[0]!)) return null;
  const [uuid, memory, driver] = [cells.at(-1)!, cells.at(-2)!, cells.at(-3)!];
  return {
    index: Number(cells[0]),
    name: cells.slice(1, -3).join(', '),
    memoryMiB: /^\d+(\.\d+)?$/.test(memory) ? Number(memory) : null,
    uuid: uuid && !/^\[/.test(uuid) ? uuid : null,
    driver: driver && !/^\[/.test(driver) ? driver : null,
  };
}

/** facts-<task>.txt → NodeFacts; null when it carries no hostname (not a facts file). */
export function parseFacts(content: string, task: number): NodeFacts | null {
  const one = new Map<string, string>();
  const gpuLines: string[] = [];
  for (const line of content.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'gpu') gpuLines.push(value);
    else if (!one.has(key)) one.set(key, value);
  }
  const hostname = text(one.get('hostname'));
  if (!hostname) return null;
  const rows = gpuLines.map(gpuRow).filter((r) => r !== null);
  const memoryKib = int(one.get('memory_kib'));
  let gpus: NodeFacts['gpus'];
  if (rows.length > 0) {
    gpus = {
      count: rows.length,
      models: [...new Set(rows.map((r) => r.name))],
      driver: rows[0]!.driver,
      list: rows.map(({ driver: _, ...r }) => r),
    };
  } else {
    gpus = {
      absent:
        text(one.get('gpu_absent')) ??
        (gpuLines.length > 0 ? `unreadable nvidia-smi output: ${gpuLines[0]}` : 'not reported'),
    };
  }
  const jobId = text(one.get('slurm_job_id'));
  return {
    task,
    hostname,
    cpuModel: text(one.get('cpu_model')),
    cpus: int(one.get('cpus')),
    nodeCpus: int(one.get('node_cpus')),
    memoryBytes: memoryKib === null ? null : memoryKib * 1024,
    os: text(one.get('os')),
    kernel: text(one.get('kernel')),
    gpus,
    slurm: jobId
      ? {
          jobId,
          arrayJobId: text(one.get('slurm_array_job_id')),
          arrayTaskId: text(one.get('slurm_array_task_id')),
          nodeList: text(one.get('slurm_job_nodelist')),
          partition: text(one.get('slurm_job_partition')),
          cluster: text(one.get('slurm_cluster_name')),
        }
      : null,
  };
}

/** Distinct hostnames over the jobs, in job order (service first). */
export function nodesOf(jobs: readonly JobEnvironment[]): string[] {
  return [...new Set(jobs.flatMap((j) => j.tasks.map((t) => t.hostname)))];
}

/** A one-line description of a node, e.g. `n1: AMD EPYC 7452 (64 CPUs, 512 GiB), 4x NVIDIA A100 (driver 550)`. */
export function describeNode(t: NodeFacts): string {
  const mem = t.memoryBytes === null ? '' : `, ${Math.round(t.memoryBytes / 2 ** 30)} GiB`;
  const cpus =
    t.cpus === null ? '' : `${t.cpus}${t.nodeCpus && t.nodeCpus !== t.cpus ? `/${t.nodeCpus}` : ''} CPUs`;
  const gpus =
    'absent' in t.gpus
      ? `no GPU (${t.gpus.absent})`
      : `${t.gpus.count}x ${t.gpus.models.join(' + ')}${t.gpus.driver ? ` (driver ${t.gpus.driver})` : ''}`;
  return `${t.hostname}: ${t.cpuModel ?? 'unknown CPU'} (${cpus}${mem}), ${gpus}`;
}

/** The lines a table or report shows for an environment. */
export function environmentLines(env: RunEnvironment): string[] {
  const lines = [
    `aifb ${env.aifb.version}${env.aifb.commit ? ` (${env.aifb.commit.slice(0, 12)})` : ''}, Node ${env.aifb.node}; recipe ${env.recipeHash.slice(0, 19)}`,
    `service ${env.service.kind} ${env.service.version ?? '(version unknown)'}, model ${env.service.models.join(', ') || env.service.model}`,
  ];
  for (const job of env.jobs) {
    const seen = new Set<string>();
    const hosts = job.tasks.filter((t) => !seen.has(t.hostname) && seen.add(t.hostname));
    const slurm = job.tasks.find((t) => t.slurm)?.slurm;
    const id = slurm ? `Slurm job ${slurm.arrayJobId ?? slurm.jobId}` : `job ${job.id}`;
    const nodes = hosts.length > 0 ? hosts.map(describeNode).join('; ') : 'no facts';
    lines.push(`${job.role} (${id}${job.tasks.length > 1 ? `, ${job.tasks.length} tasks` : ''}): ${nodes}`);
  }
  for (const p of env.problems ?? []) lines.push(`(${p})`);
  return lines;
}

// The Slurm tier needs the local cluster (real munged + slurmctld + slurmd + sshd) and the bundles.
// `make cluster-up` is idempotent: a second call returns in about a second.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync('bash', ['scripts/cluster/up.sh'], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: root, stdio: 'inherit' });
}

/**
 * `target.slurm.modules` in a job script. A batch job's bash is no login shell: `module` exists
 * only when the submitting shell exported it, so the script sources the site's init file itself
 * (as a login shell would) and fails at once, saying why, when a module cannot be loaded.
 */
import { shellQuote } from '../core/shell';

/**
 * Where module systems keep their bash init, most specific first: Lmod's profile script sets
 * MODULEPATH from the site's /etc/lmod/modulespath before defining `module`, its init/bash only
 * defines `module`; then Environment Modules. `$LMOD_PKG/init/bash` (Lmod's own tree, when the
 * submitting shell had Lmod) is always tried first.
 */
export const MODULE_INIT_FILES = [
  '/etc/profile.d/lmod.sh',
  '/usr/share/lmod/lmod/init/bash',
  '/usr/share/lmod/lmod/init/profile',
  '/etc/profile.d/modules.sh',
  '/usr/share/modules/init/bash',
] as const;

/** The shell lines that make `module` available and load `modules`, each failure fatal. */
export function moduleLines(
  modules: readonly string[],
  initFiles: readonly string[] = MODULE_INIT_FILES,
): string {
  const asked = `aifb: modules [${modules.join(', ')}] asked but no module system found on `;
  const none = `no module command, and none of $LMOD_PKG/init/bash, ${initFiles.join(', ')} exists`;
  return [
    // Code first: withStartMarker puts its lines after the leading comment lines.
    'aifb_has_module() { case "$(type -t module)" in function | file) return 0 ;; *) return 1 ;; esac; }',
    '# A batch job is no login shell: initialise the module system if `module` was not handed down.',
    `aifb_why=${shellQuote(none)}`,
    'if ! aifb_has_module; then',
    `  for aifb_init in \${LMOD_PKG:+"$LMOD_PKG/init/bash"} ${initFiles.map(shellQuote).join(' ')}; do`,
    '    if [ -r "$aifb_init" ]; then aifb_why="no module command even after sourcing $aifb_init"; . "$aifb_init"; break; fi',
    '  done',
    'fi',
    `aifb_has_module || { echo ${shellQuote(asked)}"$(hostname): $aifb_why" >&2; exit 1; }`,
    // The module system prints its own reason (e.g. Lmod's "module(s) are unknown") on stderr.
    ...modules.map(
      (m) =>
        `module load ${shellQuote(m)} || { echo ${shellQuote(`aifb: module load ${m} failed`)}" (exit $?)" >&2; exit 1; }`,
    ),
    'unset -f aifb_has_module; unset aifb_init aifb_why',
  ].join('\n');
}

/**
 * Puts the module lines right after the script's header (#! and #SBATCH lines), before anything
 * runs (and before the template's `set -u`, which init files are not written for).
 */
export function withModules(
  script: string,
  modules: readonly string[],
  initFiles: readonly string[] = MODULE_INIT_FILES,
): string {
  if (modules.length === 0) return script;
  const lines = script.split('\n');
  let header = 0;
  while (header < lines.length && lines[header]!.startsWith('#')) header++;
  return [...lines.slice(0, header), moduleLines(modules, initFiles), ...lines.slice(header)].join('\n');
}

import { probeBudgetSeconds } from './validation/_helpers';

/** How kubectl names the pod(s): `pod/x` for a pod, a label selector for a workload's pods. */
export interface GuideTarget {
  /** For `kubectl logs`, e.g. `pod/x` or `-l app=y`. */
  readonly logs: string;
  /** For `kubectl describe`, e.g. `pod/x` or `pods -l app=y`. */
  readonly describe: string;
}

/**
 * A troubleshooting guide for a rendered pod: which phase and which container to look at when
 * it is stuck, with the actual container names filled in.
 */
export function lifecycleGuide(podSpec: any, target: GuideTarget): string {
  const { logs, describe } = target;
  const init: any[] = podSpec.initContainers ?? [];
  const regular: any[] = podSpec.containers ?? [];
  const lines = [`Start order (${describe}):`];
  let step = 1;
  for (const c of init) {
    const role = c.restartPolicy === 'Always' ? 'sidecar (native, keeps running)' : 'init (runs to completion)';
    lines.push(`  ${step++}. ${c.name} — ${role}: kubectl logs ${logs} -c ${c.name}`);
  }
  for (const c of regular) {
    const probe = c.startupProbe;
    const budget = probe ? ` — ready after its startup probe (budget ${probeBudgetSeconds(probe)}s)` : '';
    lines.push(`  ${step++}. ${c.name}${budget}: kubectl logs ${logs} -c ${c.name}`);
  }
  // every init container that runs to completion may be the one that fails; the download
  // reasons are a ModelPrepInit's (its container carries MODEL_POD_UID), not any init step's
  const runOnce = init.filter(c => c.restartPolicy !== 'Always');
  lines.push(
    'When it is stuck:',
    `  Pending                      → kubectl describe ${describe}: Events name the cause (Insufficient nvidia.com/gpu, untolerated taint, unbound PersistentVolumeClaim, image pull)`,
  );
  if (runOnce.length) {
    const which = runOnce.length === 1 ? runOnce[0].name : `<${runOnce.map(c => c.name).join('|')}> (kubectl describe ${describe} names the one that failed)`;
    const downloads = runOnce.some(c => (c.env ?? []).some((e: any) => e?.name === 'MODEL_POD_UID'));
    const why = downloads ? 'its last line says why (404, access denied, missing credentials, checksum mismatch, disk full)' : 'its last line says why';
    lines.push(`  Init:Error / Init:CrashLoopBackOff → kubectl logs ${logs} -c ${which}: ${why}`);
  }
  // without a readiness probe anywhere, a running pod is ready at once (HealthCheck.none() workers)
  if ([...init, ...regular].some(c => c.readinessProbe)) {
    lines.push(`  Running but not Ready        → the model is still loading, or readiness fails: kubectl describe ${describe} (probe events), kubectl logs ${logs} -c ${regular[0]?.name}`);
  }
  lines.push(`  CrashLoopBackOff             → kubectl logs ${logs} -c <container> --previous`);
  return lines.join('\n');
}

import { Chart, Names } from 'cdk8s';
import { IConstruct } from 'constructs';

/**
 * The name cdk8s gives an object of `scope` by default: its path as a DNS label, with the path's
 * hash unless its chart was made with `disableResourceNameHashes: true` (as `Chart.generateObjectName`
 * does for every object cdk8s names itself).
 *
 * @internal
 */
export function defaultObjectName(scope: IConstruct, extra?: string[]): string {
  const hashless = (Chart.of(scope) as unknown as { _disableResourceNameHashes?: boolean })._disableResourceNameHashes === true;
  return Names.toDnsLabel(scope, { ...(extra ? { extra } : {}), includeHash: !hashless });
}

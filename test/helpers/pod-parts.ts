import { Chart } from 'cdk8s';
import { run as runChart } from './refusal';
import { expectApiValid, newChart, synth } from './synth';
import { AiInferencePod, AiInferencePodProps } from '../../src';

/** Synthesizes (and checks against the official schema) the chart; returns the manifests with what the library printed as warnings. */
export function synthWithWarnings(chart: Chart): { manifests: any[]; warnings: string } {
  const { value: manifests, warnings } = withWarnings(() => synth(chart));
  expectApiValid(manifests);
  return { manifests, warnings };
}

/** What the library prints as warnings for one AiInferencePod `llm` made of `props` (its manifests checked against the official schema). */
export function podWarnings(props: AiInferencePodProps): string {
  return synthWithWarnings((() => {
    const chart = newChart();
    new AiInferencePod(chart, 'llm', props);
    return chart;
  })()).warnings;
}

/** What the library prints as warnings while synthesizing the chart `build` makes; synth must pass, and the manifests the official schema. */
export function chartWarnings(build: (chart: Chart) => void): string {
  const { value, warnings } = withWarnings(() => runChart(build));
  expect(value.error).toBeUndefined();
  expectApiValid(value.manifests!);
  return warnings;
}

/** What `run` returns, with what the library printed as warnings meanwhile. */
export function withWarnings<T>(run: () => T): { value: T; warnings: string } {
  const writes: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => { writes.push(String(chunk)); return true; });
  try {
    const value = run();
    return { value, warnings: writes.join('') };
  } finally {
    spy.mockRestore();
  }
}

/** The env entry `name` of a rendered container. */
export function env(c: any, name: string): any {
  return (c.env ?? []).find((e: any) => e.name === name);
}

/** The volume mount at `path` of a rendered container. */
export function mount(c: any, path: string): any {
  return (c.volumeMounts ?? []).find((m: any) => m.mountPath === path);
}

/** The volume `name` of a rendered pod spec. */
export function volume(spec: any, name: string): any {
  return (spec.volumes ?? []).find((v: any) => v.name === name);
}

/** The pod template of `pod` (for a controller's object), checked as a Pod; with what the library printed as warnings. */
export function templateOf(pod: AiInferencePod): { template: any; warnings: string } {
  const { value: template, warnings } = withWarnings(() => pod.toPodTemplate());
  expectApiValid([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'template', ...template.metadata }, spec: template.spec }]);
  return { template, warnings };
}

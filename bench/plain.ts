/**
 * The baseline with no construct tree at all: the pod as a plain object literal (from the
 * library's first rendering, with the per-pod values swapped in), serialized with `yaml`.
 */
export function plainPodFactory(template: any[]): (i: number) => any[] {
  const text = JSON.stringify(template);
  return (i: number) => JSON.parse(text.split('llm-0').join(`llm-${i}`).split('model-0').join(`model-${i}`));
}

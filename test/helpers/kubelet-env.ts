/**
 * The kubelet's `$(VAR)` expansion of one env value, given the variables defined before it
 * (kubernetes third_party/forked/golang/expansion): `$$` is one `$`, `$(NAME)` of a defined
 * variable its value, anything else as written.
 */
export function kubeletExpand(value: string, defined: { [name: string]: string }): string {
  return value.replace(/\$(\$|\(([A-Za-z_][A-Za-z0-9_.-]*)\))/g, (whole, rest, name) =>
    (rest === '$' ? '$' : name in defined ? defined[name] : whole));
}

/** A container's plain env values as its process sees them: each expanded against those before it. */
export function plainEnvAsStarted(env: ReadonlyArray<{ name: string; value?: string }> | undefined): { [name: string]: string } {
  const defined: { [name: string]: string } = {};
  for (const e of env ?? []) {
    if (e.value !== undefined) defined[e.name] = kubeletExpand(e.value, defined);
  }
  return defined;
}

/** Inputs of the generated Fluent Bit configuration. */
export interface FluentBitConfigInput {
  /** Directory of the app's log files. */
  readonly logDir: string;
  /** File glob inside it. */
  readonly pattern: string;
  /** Writable directory for the read positions and the filesystem buffer. */
  readonly stateDir: string;
  /** Port of Fluent Bit's HTTP server (health endpoint). */
  readonly healthPort: number;
  /** `[OUTPUT]` key/value pairs. */
  readonly output: Array<[string, string]>;
}

/**
 * Fluent Bit's classic configuration: tail the log files (following rotation, remembering
 * positions across restarts), add pod metadata, buffer on disk so an endpoint outage does
 * not lose lines, and ship to one output. `${VAR}` values are read from env by Fluent Bit,
 * which is how Secret values stay out of the ConfigMap.
 */
export function fluentBitConfig(input: FluentBitConfigInput): string {
  const section = (name: string, entries: Array<[string, string]>) =>
    `[${name}]\n${entries.map(([k, v]) => `    ${k.padEnd(18)} ${v}`).join('\n')}\n`;
  return [
    section('SERVICE', [
      ['Flush', '1'],
      ['Log_Level', 'info'],
      ['Daemon', 'Off'],
      ['HTTP_Server', 'On'],
      ['HTTP_Listen', '0.0.0.0'],
      ['HTTP_Port', String(input.healthPort)],
      ['Health_Check', 'On'],
      ['storage.path', `${input.stateDir}/buffer`],
      ['storage.sync', 'normal'],
      ['storage.backlog.mem_limit', '16M'],
    ]),
    section('INPUT', [
      ['Name', 'tail'],
      ['Tag', 'app.*'],
      ['Path', `${input.logDir}/${input.pattern}`],
      ['DB', `${input.stateDir}/tail.db`],
      ['Read_from_Head', 'True'],
      ['Refresh_Interval', '5'],
      ['Rotate_Wait', '10'],
      ['Skip_Long_Lines', 'On'],
      ['Mem_Buf_Limit', '16MB'],
      ['storage.type', 'filesystem'],
    ]),
    section('FILTER', [
      ['Name', 'record_modifier'],
      ['Match', 'app.*'],
      ['Record', 'pod ${POD_NAME}'],
      ['Record', 'namespace ${POD_NAMESPACE}'],
    ]),
    section('OUTPUT', input.output),
  ].join('\n');
}

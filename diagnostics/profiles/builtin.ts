import { ModeProfileSchema, type ModeProfile } from './schema.ts';

/**
 * Failure modes every category has, whatever its profile says: the sensor or the link is the
 * faulty part, or the device reported a code nobody mapped yet. They keep such evidence from
 * being pinned on a mechanical mode (a stuck sensor is not a failing compressor).
 */
export const BUILTIN_MODE_IDS = {
  sensorStuck: 'sensor_stuck',
  dataMissing: 'data_missing',
  unmappedCode: 'unmapped_fault_code',
} as const;

const sensorStuck: ModeProfile = ModeProfileSchema.parse({
  id: BUILTIN_MODE_IDS.sensorStuck,
  name: { zh: '传感器读数冻结', en: 'Sensor reading frozen' },
  kind: 'sudden',
  component: 'sensor',
  mainPart: false,
  parts: ['sensor of the flagged metric', 'sensor harness/connector'],
  indicators: [],
  faultCodes: ['__stuck__'],
  spanDays: { min: 0, max: 0 },
  action: {
    zh: '远程自检并导出近期读数；若读数仍不变，检查该传感器及其线束插头，必要时更换传感器。',
    en: 'Run a remote self-test and dump recent readings; if the value stays frozen, check the sensor and its connector, replace the sensor if needed.',
  },
  severity: { instant: 'minor' },
});

const dataMissing: ModeProfile = ModeProfileSchema.parse({
  id: BUILTIN_MODE_IDS.dataMissing,
  name: { zh: '数据中断', en: 'Telemetry missing' },
  kind: 'sudden',
  component: 'connectivity',
  mainPart: false,
  parts: ['communication module'],
  indicators: [],
  faultCodes: ['__gap__'],
  spanDays: { min: 0, max: 0 },
  action: {
    zh: '确认设备供电与网络；若持续无数据，联系用户检查通信模块或网关。',
    en: 'Check power and network at the site; if data stays missing, ask the owner to check the communication module or gateway.',
  },
  severity: { instant: 'minor' },
});

const unmappedCode: ModeProfile = ModeProfileSchema.parse({
  id: BUILTIN_MODE_IDS.unmappedCode,
  name: { zh: '未识别的故障码', en: 'Unmapped fault code' },
  kind: 'sudden',
  component: 'unknown',
  mainPart: false,
  parts: ['per the maker’s service manual for the code'],
  indicators: [],
  faultCodes: ['__unmapped__'],
  spanDays: { min: 0, max: 0 },
  action: {
    zh: '按厂家维修手册查询该故障码，并将对应关系补充到故障模式配置中。',
    en: 'Look the code up in the maker’s service manual and add the mapping to the failure-mode profile.',
  },
  severity: { instant: 'minor' },
});

/** The built-in modes, by id. */
export const BUILTIN_MODES: ReadonlyMap<string, ModeProfile> = new Map(
  [sensorStuck, dataMissing, unmappedCode].map((m) => [m.id, m]),
);

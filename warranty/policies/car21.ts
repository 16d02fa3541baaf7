import { term, type Policy } from '../policy-schema.ts';

/**
 * National baseline for household cars: 《家用汽车产品修理更换退货责任规定》 (SAMR Order 43,
 * published 2021-07-22, effective 2022-01-01), full text [P] (sanbao-rules.md §1). All numbers
 * are minimums for the owner (Art. 4 ¶2): a manufacturer may only promise more.
 */
const P = 'P' as const;

export const CAR21: Policy = {
  id: 'cn-car21-household_car',
  version: '2022-01-01',
  regime: 'CAR21',
  category: 'household_car',
  title: '家用汽车产品修理更换退货责任规定 (SAMR Order 43)',
  issuer: 'national',
  effectiveFrom: '2022-01-01',
  startRule: {
    kind: 'invoice_or_delivery',
    clause: 'CAR21 Art. 18 ¶2',
    source: P,
    uncertain: false,
    note: 'periods start on the invoice date, or on the delivery date when the two differ',
  },
  terms: {
    wholeUnitMonths: term(24, 'months', 'CAR21 Art. 18 ¶1', P, '三包有效期 ≥ 2 years'),
    wholeUnitKm: term(50_000, 'km', 'CAR21 Art. 18 ¶1', P, '三包有效期 ≥ 50,000 km, whichever comes first'),
    repairMonths: term(36, 'months', 'CAR21 Art. 18 ¶1', P, '包修期 ≥ 3 years'),
    repairKm: term(60_000, 'km', 'CAR21 Art. 18 ¶1', P, '包修期 ≥ 60,000 km, whichever comes first'),
    returnWindowDays: term(7, 'days', 'CAR21 Art. 22', P, 'engine/transmission/battery/motor (or main part) replacement needed'),
    assemblySwapDays: term(60, 'days', 'CAR21 Art. 20', P),
    assemblySwapKm: term(3_000, 'km', 'CAR21 Art. 20', P),
    safetyWindowDays: term(60, 'days', 'CAR21 Art. 23', P),
    safetyWindowKm: term(3_000, 'km', 'CAR21 Art. 23', P),
    seriousSafetyRepairLimit: term(2, 'count', 'CAR21 Art. 24 ¶1(1)', P, 'after 2 repairs, a remaining or new serious safety failure'),
    assemblyReplacementLimit: term(
      2,
      'count',
      'CAR21 Art. 24 ¶1(2)',
      P,
      'counted across engine, transmission, power battery and drive motor together ("累计更换2次", unlike item (3) which says "同一"); per-assembly counting is another reading',
      true,
    ),
    mainPartReplacementLimit: term(2, 'count', 'CAR21 Art. 24 ¶1(3)', P, 'the same main part replaced twice'),
    sameProblemRepairLimit: term(
      4,
      'count',
      'CAR21 Art. 24 ¶1(4)',
      P,
      '"超过4次" excludes 4 (Civil Code Art. 1259): the right arises once 5 repairs of the same problem are recorded',
    ),
    cumulativeRepairDaysLimit: term(30, 'days', 'CAR21 Art. 24 ¶1(4)', P, '"超过30日": from 31 counted days (Art. 40 hours → days)'),
    courtesyCarAfterDays: term(5, 'days', 'CAR21 Art. 21', P, 'courtesy car or transport compensation from day 6 of a single repair'),
    usageCoefficientMax: term(0.005, 'rate', 'CAR21 Art. 27', P, 'n ≤ 0.5 %, stated on the 三包凭证'),
    sellerAnswerWorkingDays: term(10, 'working_days', 'CAR21 Art. 28', P),
    exchangeCompletionWorkingDays: term(20, 'working_days', 'CAR21 Art. 28', P),
  },
  mainParts: {
    // CAR21 Art. 41 defers to GB/T 29632; the 2021 engine/transmission lists were NOT FOUND.
    names: [
      'crankshaft', 'main_bearing', 'connecting_rod', 'connecting_rod_bearing', 'piston', 'piston_ring', 'piston_pin',
      'cylinder_head', 'camshaft', 'valve', 'cylinder_block',
      'transmission_housing', 'gear', 'bearing', 'clutch', 'transmission_brake', 'differential',
      'steering_gear', 'steering_column', 'steering_universal_joint', 'tie_rod', 'steering_knuckle',
      'brake_master_cylinder', 'wheel_cylinder', 'brake_booster', 'brake_pedal',
      'shock_absorber', 'stabilizer_bar', 'control_arm', 'suspension_link', 'leaf_spring',
      'final_drive', 'rear_axle', 'drive_shaft',
      'body_frame', 'subframe', 'longitudinal_beam', 'cross_beam', 'door_body',
      'battery_cell', 'battery_enclosure', 'stator', 'rotor', 'motor_bearing', 'motor_housing',
    ],
    clause: 'CAR21 Art. 41; GB/T 29632',
    source: 'S',
    uncertain: true,
    note: 'default list from a manufacturer 三包凭证 under GB/T 29632-2013 [S] and the 2021 battery/motor reading [S]; the owner’s 三包凭证 (Art. 9(6)) decides — pass isMainPart',
  },
  assemblies: {
    names: ['engine', 'transmission', 'power_battery', 'drive_motor'],
    clause: 'CAR21 Art. 20, 22, 24 ¶1(2)',
    source: P,
    uncertain: false,
  },
  mainPartSystems: {
    names: [
      'engine', 'transmission', 'power_battery', 'drive_motor', 'steering_system', 'brake_system', 'suspension',
      'drivetrain', 'emission_control', 'body',
    ],
    clause: 'CAR21 Art. 24 ¶1(3)',
    source: P,
    uncertain: false,
  },
  accessories: [],
  extendsByRepairDays: { value: false, clause: 'CAR21 Art. 18', source: P, uncertain: false, note: 'car periods are not extended by repair time' },
  restartAfterExchange: { value: true, clause: 'CAR21 Art. 29', source: P, uncertain: false },
  repairCountBasis: 'same_fault',
  missingDocuments: {
    effect: 'none',
    clause: 'CAR21 Art. 19 ¶2',
    source: P,
    uncertain: true,
    note: 'CAR21 has no exclusion for missing documents; the purchase must still be provable (invoice or the information system)',
  },
  returnInsteadOfExchange: { effect: 'no', clause: 'CAR21 Art. 22–25', source: P, uncertain: false, note: 'the car rules grant exchange or return together' },
  exclusions: {
    consumer_misuse: { clause: 'CAR21 Art. 32(2)', source: P, uncertain: false, note: 'not used as the manual or 三包凭证 requires' },
    consumer_no_maintenance: { clause: 'CAR21 Art. 32(2)', source: P, uncertain: false },
    consumer_modification: {
      clause: 'CAR21 Art. 32(3)',
      source: P,
      uncertain: false,
      note: 'applies where the manual forbids the modification, adjustment or disassembly',
    },
    unauthorized_disassembly: { clause: 'CAR21 Art. 32(3)', source: P, uncertain: false },
    force_majeure: { clause: 'CAR21 Art. 32(5)', source: P, uncertain: false },
  },
};

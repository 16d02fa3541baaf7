import type { Category } from '../../core/index.ts';
import type { DeviceModel } from '../model.ts';
import { airConditioner } from './air-conditioner.ts';
import { combustionCar, electricCar } from './car.ts';
import { excavator } from './excavator.ts';
import { desktop, notebook } from './microcomputer.ts';
import { mobilePhone } from './mobile-phone.ts';
import { rangeHood } from './range-hood.ts';
import { refrigerator } from './refrigerator.ts';
import { tv } from './tv.ts';
import { washingMachine } from './washing-machine.ts';
import { waterHeaterElectric } from './water-heater-electric.ts';
import { waterHeaterGas } from './water-heater-gas.ts';
import { waterPurifier } from './water-purifier.ts';

/** Product models per category, with the share of the category's fleet each one takes. */
export const MODELS: Readonly<Record<Category, readonly { model: DeviceModel; share: number }[]>> =
  {
    household_car: [
      { model: combustionCar, share: 0.7 },
      { model: electricCar, share: 0.3 },
    ],
    air_conditioner: [{ model: airConditioner, share: 1 }],
    tv: [{ model: tv, share: 1 }],
    water_heater_electric: [{ model: waterHeaterElectric, share: 1 }],
    water_heater_gas: [{ model: waterHeaterGas, share: 1 }],
    refrigerator: [{ model: refrigerator, share: 1 }],
    water_purifier: [{ model: waterPurifier, share: 1 }],
    range_hood: [{ model: rangeHood, share: 1 }],
    mobile_phone: [{ model: mobilePhone, share: 1 }],
    microcomputer: [
      { model: notebook, share: 0.6 },
      { model: desktop, share: 0.4 },
    ],
    washing_machine: [{ model: washingMachine, share: 1 }],
    excavator: [{ model: excavator, share: 1 }],
  };

/** A product model by its name; throws on an unknown one. */
export function modelByName(category: Category, name: string): DeviceModel {
  const found = MODELS[category].find((m) => m.model.name === name);
  if (!found) throw new Error(`unknown ${category} model ${name}`);
  return found.model;
}

/** Every product model, all categories. */
export function allModels(): DeviceModel[] {
  return Object.values(MODELS).flatMap((list) => list.map((m) => m.model));
}

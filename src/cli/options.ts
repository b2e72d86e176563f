/** Parsing of command-line values: each bad value is a one-line error naming its flag. */
import { InvalidArgumentError } from 'commander';
import { parseDelimiter, readNumber, shown } from '../io/csv.js';

/** A decimal number, as a CSV cell holds one (`readNumber`: no `0x10`, no NaN or infinity). */
export function number(value: string): number {
  const v = readNumber(value);
  if ('problem' in v)
    throw new InvalidArgumentError(`${shown(value)} ${value.trim() === '' ? 'is not a number' : v.problem}.`);
  return v.value;
}

export function nonNegativeNumber(value: string): number {
  const v = number(value);
  if (v < 0) throw new InvalidArgumentError(`${shown(value)} must not be negative.`);
  return v;
}

export function integer(value: string): number {
  const v = number(value);
  if (!Number.isInteger(v)) throw new InvalidArgumentError(`${shown(value)} is not an integer.`);
  return v;
}

export function positiveInteger(value: string): number {
  const v = integer(value);
  if (v < 1) throw new InvalidArgumentError(`${shown(value)} must be at least 1.`);
  return v;
}

export function nonNegativeInteger(value: string): number {
  const v = integer(value);
  if (v < 0) throw new InvalidArgumentError(`${shown(value)} must not be negative.`);
  return v;
}

/** A repeatable option's values (no default, so help shows none). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A parser accepting one of `values`. */
export function choice<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`${shown(value)} is not one of ${values.join(', ')}.`);
    return value as T;
  };
}

/** A CSV delimiter: one character, or `tab`. */
export function delimiter(value: string): string {
  try {
    return parseDelimiter(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

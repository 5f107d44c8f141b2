import { isQueueUrl } from '../sqs/index.js';
import { z } from 'zod';

/**
 * Builders for environment variables. Each one turns the raw string (or its absence) into a
 * typed value and, when it cannot, reports one issue whose message completes the sentence
 * "<VARIABLE> must be ...", so that the boot error names the variable and what was expected.
 */

/** Converts a trimmed, non-empty raw value; `undefined` means "not what was expected". */
export type Converter<T> = ((raw: string) => T | undefined) & { readonly valueType?: EnvValueType };

/** The type a variable's value has, as docs/configuration.md names it. */
export type EnvValueType = 'integer' | 'boolean' | 'enum' | 'URL' | 'string';

/**
 * What the configuration reference needs to know about one variable, kept beside the rule
 * that enforces it so the generated page cannot say something the schema does not.
 */
export interface EnvFieldDoc {
  type: EnvValueType;
  /** Completes "must be ...": the allowed values or range. */
  expected: string;
  presence: 'required' | 'optional' | 'default';
  /** The default as the variable would be written, for `presence: 'default'`. */
  defaultValue?: string;
}

/**
 * Per-field documentation. Zod's registries inherit through clones, so a field's
 * `.describe(...)` (Zod's global registry) and this entry both reach the generated page.
 */
export const envFieldDocs = z.registry<EnvFieldDoc>();

function typed<T>(valueType: EnvValueType, convert: (raw: string) => T | undefined): Converter<T> {
  return Object.assign(convert, { valueType });
}

type Presence<T> = { kind: 'required' } | { kind: 'optional' } | { kind: 'default'; value: T };

/** Message of the issue raised for a variable that must be set and is not. */
export const NOT_SET = 'is not set';

function variable<T>(expected: string, convert: Converter<T>, presence: Presence<T>) {
  // `process.env` holds strings; anything else a caller passes is read as its string form.
  const asString = (input: unknown) => (input === undefined || input === null ? undefined : String(input));
  const field = z.preprocess(asString, z.string().optional()).transform((input, ctx): T => {
    // Compose files and `.env` lines like `FOO=` mean "unset", not "the empty string".
    const raw = input?.trim();
    if (raw === undefined || raw === '') {
      if (presence.kind === 'default') return presence.value;
      if (presence.kind === 'optional') return undefined as T;
      ctx.addIssue({ code: 'custom', message: `${NOT_SET}: expected ${expected}` });
      return z.NEVER;
    }
    const value = convert(raw);
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be ${expected}` });
      return z.NEVER;
    }
    return value;
  });
  return field.register(envFieldDocs, {
    type: convert.valueType ?? 'string',
    expected,
    presence: presence.kind,
    ...(presence.kind === 'default' ? { defaultValue: String(presence.value) } : {}),
  });
}

/** A variable that must be set. */
export const required = <T>(expected: string, convert: Converter<T>) =>
  variable<T>(expected, convert, { kind: 'required' });

/** A variable that may be unset (or empty), giving `undefined`. */
export const optional = <T>(expected: string, convert: Converter<T>) =>
  variable<T | undefined>(expected, convert, { kind: 'optional' });

/** A variable with a default used when it is unset (or empty). */
export const withDefault = <T>(expected: string, convert: Converter<T>, value: T) =>
  variable<T>(expected, convert, { kind: 'default', value });

// --- converters ----------------------------------------------------------------------------

export function integer(min: number, max: number): [string, Converter<number>] {
  return [
    `an integer from ${min} to ${max}`,
    typed('integer', (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    }),
  ];
}

export function oneOf<const T extends string>(values: readonly T[]): [string, Converter<T>] {
  return [
    `one of ${values.join(', ')}`,
    typed('enum', (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : undefined)),
  ];
}

export function boolean(): [string, Converter<boolean>] {
  const truthy = ['true', '1', 'yes', 'on'];
  const falsy = ['false', '0', 'no', 'off'];
  return [
    'true or false',
    typed('boolean', (raw) => {
      const value = raw.toLowerCase();
      if (truthy.includes(value)) return true;
      return falsy.includes(value) ? false : undefined;
    }),
  ];
}

export function httpUrl(what = 'an http(s) URL'): [string, Converter<string>] {
  return [
    what,
    typed('URL', (raw) => {
      try {
        const url = new URL(raw);
        return url.protocol === 'http:' || url.protocol === 'https:' ? raw.replace(/\/+$/, '') : undefined;
      } catch {
        return undefined;
      }
    }),
  ];
}

/** A queue URL (see QUEUE_URL_PATTERN for why this is not `httpUrl`). */
export function queueUrl(what: string): [string, Converter<string>] {
  return [what, typed('URL', (raw) => (isQueueUrl(raw) ? raw : undefined))];
}

export function matching(pattern: RegExp, expected: string): [string, Converter<string>] {
  return [expected, (raw) => (pattern.test(raw) ? raw : undefined)];
}

/**
 * A comma-separated list (spaces around items ignored, empty items dropped) whose every item is
 * turned by `item` (or refused with `undefined`); an empty list is the empty array.
 */
export function list<T>(expected: string, item: (raw: string) => T | undefined): [string, Converter<T[]>] {
  return [
    `a comma-separated list of ${expected}`,
    (raw) => {
      const items = raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .map(item);
      return items.every((v) => v !== undefined) ? (items as T[]) : undefined;
    },
  ];
}

/**
 * One tabular shape for everything the UI draws (after Grafana's DataFrame): equal-length
 * columns, each with a type and display config. API responses are turned into frames in the
 * features' api/ folders, and charts and tables only ever read frames.
 */
export type FieldType = 'time' | 'number' | 'string' | 'other';

export interface FieldConfig {
  displayName?: string;
  color?: string;
  unit?: string;
  /** Dash pattern in pixels, e.g. [6, 4]: for reference lines such as limits. */
  dash?: number[];
}

export interface Field<T = unknown> {
  name: string;
  type: FieldType;
  values: T[];
  config?: FieldConfig;
  labels?: Record<string, string>;
}

export interface DataFrame {
  name?: string;
  length: number;
  fields: Field[];
  meta?: Record<string, unknown>;
}

export function createFrame(fields: Field[], meta?: Record<string, unknown>, name?: string): DataFrame {
  const length = fields[0]?.values.length ?? 0;
  for (const f of fields) {
    if (f.values.length !== length)
      throw new Error(`field ${f.name} has ${f.values.length} values, expected ${length}`);
  }
  return { name, length, fields, meta };
}

export function getField<T = unknown>(frame: DataFrame, name: string): Field<T> | undefined {
  return frame.fields.find((f) => f.name === name) as Field<T> | undefined;
}

/** Column `name` of `frame`, or throws: for fields a frame builder always creates. */
export function requireField<T = unknown>(frame: DataFrame, name: string): Field<T> {
  const f = getField<T>(frame, name);
  if (!f) throw new Error(`frame ${frame.name ?? ''} has no field ${name}`);
  return f;
}

// Operations for the API fuzz test (test/fuzz.test.ts), generated with fast-check from the printed
// schema: a root field of Query or Mutation, its arguments (as variables, or written inline) from
// arbitraries of their input types mixed with malformed values, and a selection of what it answers.
import fc from 'fast-check';
import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLUnionType,
  isLeafType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

export type FuzzOperation = { field: string; query: string; variables: Record<string, unknown> };

/** Values every string-typed input gets besides random ones: what breaks parsers, databases and limits. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  'x'.repeat(5_000),
  'y'.repeat(100_001),
  '%',
  '_',
  '\\',
  "' or 1=1 --",
  '"; drop table "Deal"; --',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  'javascript:alert(1)',
  'data:text/html,<b>x</b>',
  '\ud800',
  '😀'.repeat(50),
  'Ω≈ç√∫',
  '\u202e',
  '0',
  '-1',
  'NaN',
  'null',
  '(a+)+$',
  '[',
  '{{x}}',
  '[placeholder]',
  'a@b',
  'not an email',
  '+7 999 000-00-00',
  '2026-12-24T18:00:00+03:00',
  '2026-12-24 18:00',
  '1e400',
  '-0.00',
  '99999999999999999999999999.99',
];
const EXTREME_INTS = [0, -1, 1, 2, 50, 201, 500, 10_000, 2 ** 31 - 1, -(2 ** 31)];

/** Any JSON value: what a client may send where another type was expected. */
const anyJson = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(...NASTY_STRINGS),
  fc.constant({}),
  fc.constant([]),
  fc.constant({ id: 'x' }),
  fc.constant(2 ** 53),
);

/** A value nested `depth` input objects deep (input limits stop such filters). */
const deep = (key: string, depth: number): unknown => (depth === 0 ? { search: 'x' } : { [key]: [deep(key, depth - 1)] });

export class OperationFuzzer {
  constructor(
    private readonly schema: GraphQLSchema,
    /** Ids to try where an ID goes: the caller's own, another workspace's, malformed. */
    private readonly ids: string[],
  ) {}

  private scalar(t: GraphQLScalarType): fc.Arbitrary<unknown> {
    switch (t.name) {
      case 'ID':
        return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...this.ids) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
      case 'String':
        return fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS) }, { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }) });
      case 'Int':
        return fc.oneof(fc.constantFrom(...EXTREME_INTS), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
      case 'Float':
        return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308, 2 ** 53));
      case 'Boolean':
        return fc.boolean();
      case 'DateTime':
        return fc.oneof(
          fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
          fc.constantFrom('2026-12-24T18:00:00+03:00', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-02-30T00:00:00Z', 'Dec 24 2026', '', 0),
        );
      case 'Decimal':
        return fc.oneof(
          fc.constantFrom('0', '1.5', '-1', '1e3', '1e400', '0.000000001', '99999999999999999999999999.99', 'abc', '', 1.5, -0),
          fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
        );
      default:
        // Upload and any scalar not known here: whatever a client might put there.
        return anyJson;
    }
  }

  /** A value of `type`, most often well-typed, sometimes malformed (wrong type, null where required, unknown keys). */
  value(type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
    const wellTyped = this.typed(type, depth);
    return fc.oneof({ weight: 12, arbitrary: wellTyped }, { weight: 1, arbitrary: anyJson });
  }

  private typed(type: GraphQLInputType, depth: number): fc.Arbitrary<unknown> {
    if (type instanceof GraphQLNonNull) return this.typed(type.ofType as GraphQLInputType, depth);
    if (type instanceof GraphQLList) {
      const item = this.value(type.ofType as GraphQLInputType, depth + 1);
      return fc.oneof(
        { weight: 8, arbitrary: fc.array(item, { maxLength: 4 }) },
        { weight: 1, arbitrary: item.filter((v) => JSON.stringify(v ?? null).length < 200).map((v) => Array.from({ length: 600 }, () => v)) },
      );
    }
    if (type instanceof GraphQLEnumType) {
      return fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) },
        { weight: 1, arbitrary: fc.constantFrom('NOPE', 'deal', '') },
      );
    }
    if (type instanceof GraphQLScalarType) return this.scalar(type);
    const obj = type as GraphQLInputObjectType;
    const fields = Object.values(obj.getFields());
    if (depth > 3) {
      // Deep enough: the required fields only, or a bomb of nesting.
      return fc.constant(Object.fromEntries(fields.filter((f) => f.type instanceof GraphQLNonNull).map((f) => [f.name, null])));
    }
    const nested = fields.find((f) => ['and', 'or'].includes(f.name));
    if (obj.isOneOf) {
      const one = fc.constantFrom(...fields).chain((f) => this.value(f.type, depth + 1).map((v) => ({ [f.name]: v })));
      return fc.oneof(
        { weight: 8, arbitrary: one },
        { weight: 1, arbitrary: fc.tuple(one, one).map(([a, b]) => ({ ...a, ...b })) },
        { weight: 1, arbitrary: fc.constant({}) },
      );
    }
    const record = fc.record(Object.fromEntries(fields.map((f) => [f.name, this.value(f.type, depth + 1)])), {
      requiredKeys: fields.filter((f) => f.type instanceof GraphQLNonNull).map((f) => f.name),
    });
    const variants: fc.WeightedArbitrary<unknown>[] = [
      { weight: 10, arbitrary: record },
      { weight: 1, arbitrary: record.map((r) => ({ ...(r as object), notAField: 1 })) },
    ];
    if (nested) variants.push({ weight: 1, arbitrary: fc.integer({ min: 5, max: 40 }).map((d) => deep(nested.name, d)) });
    return fc.oneof(...variants);
  }

  /** What to select of a field's type: its leaf fields, and objects' a few levels down. */
  selection(type: GraphQLOutputType, depth = 0): string {
    const named = getNamedType(type);
    if (isLeafType(named)) return '';
    if (named instanceof GraphQLUnionType || named instanceof GraphQLInterfaceType) {
      const possible = this.schema.getPossibleTypes(named).slice(0, 12);
      return `{ __typename ${possible.map((t) => `... on ${t.name} ${this.selection(t, depth + 1)}`).join(' ')} }`;
    }
    const obj = named as GraphQLObjectType;
    const usable = Object.values(obj.getFields()).filter((f) => f.args.every((a) => !(a.type instanceof GraphQLNonNull)));
    const leaves = usable.filter((f) => isLeafType(getNamedType(f.type))).slice(0, 12);
    const objects = depth < 3 ? usable.filter((f) => !isLeafType(getNamedType(f.type))).slice(0, depth === 0 ? 6 : 3) : [];
    const parts = ['__typename', ...leaves.map((f) => f.name), ...objects.map((f) => `${f.name} ${this.selection(f.type, depth + 1)}`)];
    return `{ ${parts.join(' ')} }`;
  }

  /** One operation on `field` of the root `root`, its arguments drawn from their types. */
  operation(root: 'query' | 'mutation', field: GraphQLField<unknown, unknown>): fc.Arbitrary<FuzzOperation> {
    const selection = this.selection(field.type);
    const args = field.args.map((a) =>
      fc.record({
        // Optional arguments are often left out; required ones rarely.
        present:
          a.type instanceof GraphQLNonNull
            ? fc.oneof({ weight: 30, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })
            : fc.boolean(),
        value: this.value(a.type),
        inline: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      }),
    );
    return fc.tuple(...args).map((drawn) => {
      const defs: string[] = [];
      const uses: string[] = [];
      const variables: Record<string, unknown> = {};
      drawn.forEach((d, i) => {
        const a = field.args[i];
        if (!d.present) return;
        if (d.inline) {
          uses.push(`${a.name}: ${literal(d.value, a.type)}`);
        } else {
          defs.push(`$a${i}: ${a.type.toString()}`);
          uses.push(`${a.name}: $a${i}`);
          variables[`a${i}`] = d.value;
        }
      });
      const query = `${root} Fuzz${defs.length ? `(${defs.join(', ')})` : ''} { ${field.name}${uses.length ? `(${uses.join(', ')})` : ''} ${selection} }`;
      return { field: field.name, query, variables };
    });
  }
}

/** A value written as a GraphQL literal (enum values bare where the type is an enum). */
function literal(v: unknown, type: GraphQLInputType): string {
  const named = getNamedType(type);
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) {
    const item = type instanceof GraphQLNonNull ? type.ofType : type;
    const of = item instanceof GraphQLList ? (item.ofType as GraphQLInputType) : (named as GraphQLInputType);
    return `[${v.map((x) => literal(x, of)).join(', ')}]`;
  }
  if (typeof v === 'object') {
    const fields = named instanceof GraphQLInputObjectType ? named.getFields() : {};
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : 'bad'}: ${literal(x, fields[k]?.type ?? (named as GraphQLInputType))}`)
      .join(', ')} }`;
  }
  if (typeof v === 'string' && named instanceof GraphQLEnumType && /^[_A-Za-z][_0-9A-Za-z]*$/.test(v)) return v;
  if (typeof v === 'number' && !Number.isFinite(v)) return '0';
  return JSON.stringify(v);
}

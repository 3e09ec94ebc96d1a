// FORMULA fields: arithmetic over NUMBER, MONEY and other FORMULA fields of the same card,
// e.g. `quantity * price`. Parsed once when defined (unknown names and cycles are refused then)
// and evaluated in exact decimals on every write of the card.
import { Prisma } from '../../generated/prisma/client.js';
import { render, type Message } from '../../lib/i18n.js';
import { FIELDS } from './messages.js';

// Prisma's Decimal rounds results to 20 significant digits, which loses cents on large
// amounts (9999999999999999.99 × 12345.5): formulas compute with ample precision instead.
const Decimal = Prisma.Decimal.clone({ precision: 100 });
type Dec = InstanceType<typeof Prisma.Decimal>;

export type Expr =
  | { kind: 'num'; value: string }
  | { kind: 'ref'; code: string }
  | { kind: 'neg'; arg: Expr }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr };

/** Why a formula cannot be read, as a message (the custom fields module reports it). */
export class FormulaError extends Error {
  constructor(readonly msg: Message) {
    super(render(msg, 'en'));
  }
}

export function parseFormula(src: string): Expr {
  // Stryker disable next-line ArrayDeclaration: no match means a blank formula, refused below before any token is read
  const tokens = src.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|[-+*/()]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const primary = (): Expr => {
    const t = next();
    if (t === undefined) throw new FormulaError(FIELDS.formulaEnds());
    if (t === '(') {
      const e = sum();
      if (next() !== ')') throw new FormulaError(FIELDS.formulaBracket());
      return e;
    }
    if (t === '-') return { kind: 'neg', arg: primary() };
    if (/^\d/.test(t)) return { kind: 'num', value: t };
    // Stryker disable next-line Regex: every token holding a letter here starts with one (see the tokenizer)
    if (/^[A-Za-z_]/.test(t)) return { kind: 'ref', code: t };
    throw new FormulaError(FIELDS.formulaUnexpected({ token: t }));
  };
  const product = (): Expr => {
    let e = primary();
    while (peek() === '*' || peek() === '/') e = { kind: 'bin', op: next() as '*' | '/', left: e, right: primary() };
    return e;
  };
  const sum = (): Expr => {
    let e = product();
    while (peek() === '+' || peek() === '-') e = { kind: 'bin', op: next() as '+' | '-', left: e, right: product() };
    return e;
  };
  if (!src.trim()) throw new FormulaError(FIELDS.formulaEmpty());
  const e = sum();
  if (i < tokens.length) throw new FormulaError(FIELDS.formulaUnexpected({ token: tokens[i] }));
  return e;
}

export function references(e: Expr, out = new Set<string>()): Set<string> {
  if (e.kind === 'ref') out.add(e.code);
  else if (e.kind === 'neg') references(e.arg, out);
  else if (e.kind === 'bin') {
    references(e.left, out);
    references(e.right, out);
  }
  return out;
}

/** Evaluates with exact decimals; null when an input is empty or a division is by zero. */
export function evaluate(e: Expr, value: (code: string) => Dec | null): Dec | null {
  switch (e.kind) {
    case 'num':
      return new Decimal(e.value);
    case 'ref': {
      const v = value(e.code);
      return v && new Decimal(v.toString());
    }
    case 'neg': {
      const a = evaluate(e.arg, value);
      return a && a.neg();
    }
    case 'bin': {
      const a = evaluate(e.left, value);
      const b = evaluate(e.right, value);
      if (!a || !b) return null;
      if (e.op === '+') return a.plus(b);
      if (e.op === '-') return a.minus(b);
      if (e.op === '*') return a.times(b);
      return b.isZero() ? null : a.div(b);
    }
  }
}

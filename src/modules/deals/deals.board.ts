// The board page's planned path: a `deals` page whose selection stays within what a board asks
// (the deal's own fields, stage, pipeline, responsible, company, contacts, tags and custom field
// values) is answered without graphql-js walking ~2,500 resolved fields. A page with a filter or a
// saved view takes its ids from the same list service as the general path; a plain one (sorted by
// the deal's own columns) picks them in its statement under the same scope and order. One
// statement then reads those deals with the relations the selection names, each relation
// under the same rights as its resolver (a company or contact outside the viewer's VIEW scope or
// in the trash is left out, hidden system fields are null, custom fields go through the same
// visible-definitions, applies and formula rules), and the answer is shaped here in selection
// order. Anything else in the document (fragments, directives, other root fields, page info,
// fields not listed below) goes the general way, as does any error: the general path then answers
// it the way it always does. test/board-plan.test.ts holds the two paths to the same JSON.
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context, ServiceCtx } from '../../context.js';
import { encodeGlobalId } from '../../lib/ids.js';
import { perOperation } from '../../lib/per-operation.js';
import { canRead } from '../../kernel/access/field-access.js';
import { scopeOf, scopeSql } from '../../kernel/access/rights.js';
import { shownValues, visibleAmong } from '../../kernel/fields/definitions.js';
import type { FieldDef, GraphqlValue } from '../../kernel/fields/values.js';
import { listOrder, listQuery, orderSql, pageCards, type SortInput } from '../../kernel/lists.js';
import { IssueList } from '../../lib/errors.js';
import { withView } from '../cards/card-api.js';
import { ID_FIELDS } from './deals.schema.js';

// ---------------------------------------------------------------------------------------------
// The plan: what the selection asks, checked once per document.

/** A plain object selection: response name → field name (or a nested plan for an object). */
type Leaf = { key: string; field: string };
type Obj = { key: string; field: string; of: Leaf[] };
type ValuePlan = { key: string; typename: boolean; members: Map<string, MemberField[]> };
type MemberField = { key: string; field: string; of?: Leaf[] };
type NodeField = Leaf | Obj | ValuePlan;
type Plan = { root: string; field: FieldNode; connTypename: string | null; edges: string; edgeTypename: string | null; node: string; fields: NodeField[] };

// The fields a board may ask of each related type, all plain columns without rights of their own.
const RELATED: Record<string, { type: string; fields: Set<string> }> = {
  stage: { type: 'Stage', fields: new Set(['id', 'name', 'kind', 'sortOrder', 'color']) },
  pipeline: { type: 'Pipeline', fields: new Set(['id', 'name']) },
  responsible: { type: 'User', fields: new Set(['id', 'name']) },
  company: { type: 'Company', fields: new Set(['id', 'name']) },
  contacts: { type: 'Contact', fields: new Set(['id', 'name']) },
  tags: { type: 'Tag', fields: new Set(['id', 'name']) },
};
const DEAL_FIELDS = new Set(['id', 'name', 'amount', 'currency']);
// Custom field value members and the fields of each the plan answers (`field` and `option(s)` take
// plain sub-selections; DateTime, file and phone members go the general way).
const MEMBER_FIELDS: Record<string, Set<string>> = {
  TextFieldValue: new Set(['text']),
  TextareaFieldValue: new Set(['text']),
  NumberFieldValue: new Set(['number']),
  FormulaFieldValue: new Set(['number']),
  MoneyFieldValue: new Set(['amount', 'currency']),
  DateFieldValue: new Set(['date']),
  BooleanFieldValue: new Set(['boolean']),
  SelectFieldValue: new Set(['option']),
  MultiSelectFieldValue: new Set(['options']),
  UrlFieldValue: new Set(['url']),
  EmailFieldValue: new Set(['email']),
};
const DEF_FIELDS = new Set(['id', 'code', 'name', 'type']);
const OPTION_FIELDS = new Set(['id', 'label', 'sortOrder']);

const plain = (f: FieldNode) => !f.directives?.length && !f.arguments?.length;
const keyOf = (f: FieldNode) => f.alias?.value ?? f.name.value;

/** Plain fields only (no fragments, directives or arguments), each response name once. */
function fieldsOf(set: SelectionSetNode | undefined, withArgs = false): FieldNode[] | null {
  if (!set) return null;
  const out: FieldNode[] = [];
  const keys = new Set<string>();
  for (const s of set.selections) {
    if (s.kind !== Kind.FIELD || (withArgs ? s.directives?.length : !plain(s)) || keys.has(keyOf(s))) return null;
    keys.add(keyOf(s));
    out.push(s);
  }
  return out;
}

function leaves(set: SelectionSetNode | undefined, allowed: Set<string>): Leaf[] | null {
  const fs = fieldsOf(set);
  if (!fs) return null;
  const out: Leaf[] = [];
  for (const f of fs) {
    if (f.selectionSet || (f.name.value !== '__typename' && !allowed.has(f.name.value))) return null;
    out.push({ key: keyOf(f), field: f.name.value });
  }
  return out;
}

function valuePlan(f: FieldNode): ValuePlan | null {
  if (!plain(f) || !f.selectionSet) return null;
  let typename = false;
  const members = new Map<string, MemberField[]>(Object.keys(MEMBER_FIELDS).map((m) => [m, []]));
  for (const s of f.selectionSet.selections) {
    if (s.kind === Kind.FIELD && plain(s) && s.name.value === '__typename' && !s.alias) {
      if (typename) return null;
      typename = true;
      continue;
    }
    if (s.kind !== Kind.INLINE_FRAGMENT || s.directives?.length || !s.typeCondition) return null;
    const member = s.typeCondition.name.value;
    const allowed = MEMBER_FIELDS[member];
    // A fragment on a member the plan does not answer: the general way.
    if (!allowed || members.get(member)!.length) return null;
    const fs = fieldsOf(s.selectionSet);
    if (!fs) return null;
    const out: MemberField[] = [];
    for (const x of fs) {
      const name = x.name.value;
      if (name === 'field' || name === 'option' || name === 'options') {
        if (name !== 'field' && !allowed.has(name)) return null;
        const of = leaves(x.selectionSet, name === 'field' ? DEF_FIELDS : OPTION_FIELDS);
        if (!of) return null;
        out.push({ key: keyOf(x), field: name, of });
      } else if (name === '__typename' || allowed.has(name)) {
        if (x.selectionSet) return null;
        out.push({ key: keyOf(x), field: name });
      } else return null;
    }
    members.set(member, out);
  }
  // `__typename` first is the order the plan writes; anything else goes the general way.
  if (typename && f.selectionSet.selections[0].kind !== Kind.FIELD) return null;
  return { key: keyOf(f), typename, members };
}

function nodePlan(set: SelectionSetNode | undefined): NodeField[] | null {
  const fs = fieldsOf(set);
  if (!fs) return null;
  const out: NodeField[] = [];
  const related = new Set<string>();
  for (const f of fs) {
    const name = f.name.value;
    // A relation or the values asked twice (under two aliases) read one JSON key of the page's
    // statement, and the values one plan: the general way answers those.
    if (RELATED[name] || name === 'customFields') {
      if (related.has(name)) return null;
      related.add(name);
    }
    if (name === '__typename' || DEAL_FIELDS.has(name)) {
      if (f.selectionSet) return null;
      out.push({ key: keyOf(f), field: name });
    } else if (RELATED[name]) {
      const of = leaves(f.selectionSet, RELATED[name].fields);
      if (!of) return null;
      out.push({ key: keyOf(f), field: name, of });
    } else if (name === 'customFields') {
      const v = valuePlan(f);
      if (!v) return null;
      out.push(v);
    } else return null;
  }
  return out;
}

function planOf(document: DocumentNode, operationName: string | null | undefined): Plan | null {
  if (document.definitions.length !== 1) return null;
  const op = getOperationAST(document, operationName);
  if (!op || op.operation !== 'query' || op.directives?.length) return null;
  const root = fieldsOf(op.selectionSet, true);
  if (!root || root.length !== 1 || root[0].name.value !== 'deals' || root[0].directives?.length) return null;
  const conn = fieldsOf(root[0].selectionSet);
  if (!conn) return null;
  let connTypename: string | null = null;
  let edges: FieldNode | null = null;
  for (const f of conn) {
    if (f.name.value === '__typename' && !f.selectionSet) connTypename = keyOf(f);
    else if (f.name.value === 'edges' && !edges) edges = f;
    else return null;
  }
  // `__typename` before `edges` is the order the plan writes.
  if (!edges || (connTypename && conn[0].name.value !== '__typename')) return null;
  const edge = fieldsOf(edges.selectionSet);
  if (!edge) return null;
  let edgeTypename: string | null = null;
  let node: FieldNode | null = null;
  for (const f of edge) {
    if (f.name.value === '__typename' && !f.selectionSet) edgeTypename = keyOf(f);
    else if (f.name.value === 'node' && !node) node = f;
    else return null;
  }
  if (!node || (edgeTypename && edge[0].name.value !== '__typename')) return null;
  const fields = nodePlan(node.selectionSet);
  if (!fields) return null;
  return { root: keyOf(root[0]), field: root[0], connTypename, edges: keyOf(edges), edgeTypename, node: keyOf(node), fields };
}

/** How many pages the plan answered (tests check that it was the plan that answered). */
export const boardPlanStats = { answered: 0 };

const cachedPlan = perOperation((a: { document: DocumentNode; operationName?: string | null }) => planOf(a.document, a.operationName));

// ---------------------------------------------------------------------------------------------
// Running a plan.

type Row = {
  id: string;
  name: string;
  amount: string | null;
  currency: string | null;
  customFields: Record<string, unknown> | null;
} & Record<string, unknown>;

// The definitions as the value rules read them (definitions.ts: hiddenFieldIds, applies,
// recomputeFormulas, toGraphql), in the same order as `definitions()`.
const DEFS_SQL = (ws: string) => `coalesce((select json_agg(json_build_object('id', f.id, 'key', f.key, 'code', f.code, 'name', f.name,
    'type', f.type, 'archived', f.archived, 'formula', f.formula, 'conditionFieldId', f."conditionFieldId", 'conditionValues', f."conditionValues",
    'options', coalesce((select json_agg(json_build_object('id', o.id, 'label', o.label, 'sortOrder', o."sortOrder") order by o."sortOrder")
      from "CustomFieldOption" o where o."fieldId" = f.id), '[]')) order by f."sortOrder", f."createdAt")
  from "CustomField" f where f."workspaceId" = ${ws}::uuid and f."entityType" = 'DEAL'), '[]')`;

/**
 * The one statement of the page: the deals of `ids` (in that order) with what the plan's fields
 * need, each as one JSON object, and the deal field definitions when values are asked for.
 */
function pageSql(ctx: ServiceCtx, fields: NodeField[], source: Source): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  // The page's ids: given, or picked here (see directPage) as a sorted, limited array.
  let ids = '$1::uuid[]';
  if ('direct' in source) {
    const d = source.direct;
    const s = scopeSql(ctx.viewer, scopeOf(ctx.viewer, 'DEAL', 'VIEW'), 2);
    params.push(...s.params);
    ids = `(select array_agg(q.id order by q.n) from (select t.id, row_number() over (order by ${d.order}) as n from "Deal" t
      where t."workspaceId" = $1::uuid and t."deletedAt" is ${d.inTrash ? 'not null' : 'null'}${s.sql} order by ${d.order} limit ${d.take}) q)`;
  }
  const select = ["'id', d.id"];
  // The fields are RELATED's (checked by the plan): each the column of its name.
  const obj = (of: Leaf[]) => {
    const pairs = [...new Set(of.map((l) => l.field).filter((f) => f !== '__typename'))].map((f) => `'${f}', t."${f}"`);
    return `json_build_object(${pairs.length ? pairs.join(', ') : `'id', t.id`})`;
  };
  const scope = (kind: 'COMPANY' | 'CONTACT') => {
    const s = scopeSql(ctx.viewer, scopeOf(ctx.viewer, kind, 'VIEW'), params.length + 2);
    params.push(...s.params);
    return s.sql;
  };
  let values = false;
  for (const f of fields) {
    if ('members' in f) {
      values = true;
      select.push(`'customFields', d."customFields"`);
      continue;
    }
    if (!('of' in f)) {
      if (f.field === 'name') select.push(`'name', d.name`);
      // As the Decimal scalar writes a Prisma decimal: two places.
      else if (f.field === 'amount') select.push(`'amount', d.amount::text`);
      else if (f.field === 'currency') select.push(`'currency', d.currency`);
      continue;
    }
    const o = obj(f.of);
    const as = `'${f.field}'`;
    switch (f.field) {
      case 'stage':
        select.push(`${as}, (select ${o} from "Stage" t where t.id = d."stageId")`);
        break;
      case 'pipeline':
        select.push(`${as}, (select ${o} from "Pipeline" t where t.id = d."pipelineId")`);
        break;
      case 'responsible':
        select.push(`${as}, (select ${o} from "User" t where t.id = d."responsibleId")`);
        break;
      case 'company':
        // As the resolver: not in the trash, and within the viewer's VIEW scope of companies.
        select.push(`${as}, (select ${o} from "Company" t where t.id = d."companyId" and t."deletedAt" is null${scope('COMPANY')})`);
        break;
      case 'contacts':
        // As the resolver: the main contact first, trash and contacts outside the VIEW scope left out.
        select.push(
          `${as}, coalesce((select json_agg(${o} order by dc.position) from "DealContact" dc join "Contact" t on t.id = dc."contactId"
            where dc."dealId" = d.id and t."deletedAt" is null${scope('CONTACT')}), '[]')`,
        );
        break;
      case 'tags':
        select.push(
          `${as}, coalesce((select json_agg(${o} order by t.name) from "DealTag" dt join "Tag" t on t.id = dt."tagId" where dt."dealId" = d.id), '[]')`,
        );
        break;
    }
  }
  const pairs = [...new Set(select)];
  // json_build_object takes at most 100 arguments: the plan never asks for more than 11 pairs.
  const rows = `coalesce((select json_agg(json_build_object(${pairs.join(', ')}) order by p.n)
    from unnest(${ids}) with ordinality as p(id, n) join "Deal" d on d.id = p.id), '[]')`;
  let defs = 'null';
  if (values) {
    params.push(ctx.viewer.workspaceId);
    defs = DEFS_SQL(`$${params.length + 1}`);
  }
  return { sql: `select ${rows} as rows, ${defs} as defs`, params };
}

function shape(of: Leaf[], type: string, row: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const l of of) out[l.key] = l.field === '__typename' ? type : l.field === 'id' ? encodeGlobalId(type, row.id as string) : row[l.field];
  return out;
}

type SortIn = { field?: string | null; customFieldId?: string | null; direction?: 'ASC' | 'DESC' | null };
type Direct = { order: string; inTrash: boolean; take: number };
type Source = { ids: string[] } | { direct: Direct };

/**
 * The order of a page sorted by the deal's own columns: the list service's order (listOrder in
 * kernel/lists.ts, with no custom field definitions) written as SQL by the kernel; null for a
 * custom field, a relation's column, a key the viewer's role hides or a malformed key, which
 * the list service handles.
 */
function directPage(ctx: ServiceCtx, sort: SortIn[] | null | undefined, inTrash: boolean, take: number): Direct | null {
  const issues = new IssueList();
  // A null direction is the input's default, as the general path reads it.
  const keys = sort?.map((s) => ({ ...s, direction: s.direction ?? 'ASC' })) as SortInput<string>[] | undefined;
  const order = listOrder(ctx, 'DEAL', keys, [], issues);
  if (!issues.empty) return null;
  const sql = orderSql(order, 't');
  return sql ? { order: sql, inTrash, take } : null;
}

/** The page as the general path answers it, or null when the plan does not apply to these arguments. */
async function runPlan(plan: Plan, args: ExecutionArgs, ctx: ServiceCtx): Promise<Record<string, unknown> | null> {
  const op = getOperationAST(args.document, args.operationName);
  const vars = getVariableValues(args.schema, op!.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>);
  if ('errors' in vars && vars.errors) return null;
  const fieldDef = args.schema.getQueryType()!.getFields().deals;
  const a = getArgumentValues(fieldDef, plan.field, vars.coerced) as {
    first?: number | null;
    after?: string | null;
    last?: number | null;
    before?: string | null;
    filter?: object | null;
    orderBy?: object[] | null;
    inTrash?: boolean | null;
    viewId?: string | null;
  };
  // Cursors and backward pages go the general way (the connection's own cursor rules).
  if (a.after != null || a.before != null || a.last != null) return null;
  const first = a.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 200) return null;

  // A page with no filter or view and a sort on the deal's own columns picks its ids in the page's
  // statement; any other goes through the list service first.
  const direct = a.filter == null && a.viewId == null ? directPage(ctx, a.orderBy as SortIn[] | null | undefined, !!a.inTrash, first) : null;
  let source: Source;
  if (direct) source = { direct };
  else {
    const { where, order } = await listQuery(ctx, 'DEAL', await withView(ctx, 'DEAL', a, ID_FIELDS));
    source = { ids: (await pageCards<{ id: string }>(ctx, 'DEAL', where, order, { select: { id: true }, take: first })).map((r) => r.id) };
  }

  let rows: Row[] = [];
  let defs: FieldDef[] = [];
  if (!('ids' in source) || source.ids.length) {
    const { sql, params } = pageSql(ctx, plan.fields, source);
    const [r] = await ctx.db.$queryRawUnsafe<{ rows: Row[]; defs: FieldDef[] | null }[]>(sql, 'ids' in source ? source.ids : ctx.viewer.workspaceId, ...params);
    rows = r.rows;
    // Not every column of a definition: those the value rules read (see DEFS_SQL).
    defs = r.defs ?? [];
  }

  const values = plan.fields.find((f): f is ValuePlan => 'members' in f);
  // The definitions the role may see, by the rule of visibleDefinitions.
  const visible = values ? visibleAmong(ctx.viewer, 'DEAL', defs) : [];
  const fieldObjects = new Map<string, Record<string, unknown>>();
  const amountShown = canRead(ctx.viewer, 'DEAL', 'amount');
  const responsibleShown = canRead(ctx.viewer, 'DEAL', 'responsible');

  const valueOf = (v: GraphqlValue, members: MemberField[]) => {
    const out: Record<string, unknown> = {};
    if (values!.typename) out.__typename = v.__typename;
    for (const m of members) {
      if (m.field === '__typename') out[m.key] = v.__typename;
      else if (m.field === 'field') {
        const cacheKey = `${v.field.id} ${m.key}`;
        let f = fieldObjects.get(cacheKey);
        if (!f) fieldObjects.set(cacheKey, (f = shape(m.of!, 'CustomField', v.field as never)));
        out[m.key] = f;
      } else if (m.field === 'option') {
        const o = v.option as Record<string, unknown> | null;
        out[m.key] = o ? shape(m.of!, 'CustomFieldOption', o) : null;
      } else if (m.field === 'options') out[m.key] = (v.options as Record<string, unknown>[]).map((o) => shape(m.of!, 'CustomFieldOption', o));
      else out[m.key] = v[m.field];
    }
    return out;
  };

  const nodes = rows.map((row) => {
    const node: Record<string, unknown> = {};
    for (const f of plan.fields) {
      if ('members' in f) {
        // The values the resolver shows (shownValues), shaped by the selection.
        const list: Record<string, unknown>[] = [];
        for (const v of shownValues(defs, visible, row.customFields)) {
          const members = f.members.get(v.__typename);
          // A member the document has no fragment for still appears, with its __typename only.
          list.push(members ? valueOf(v, members) : f.typename ? { __typename: v.__typename } : {});
        }
        node[f.key] = list;
      } else if (!('of' in f)) {
        if (f.field === '__typename') node[f.key] = 'Deal';
        else if (f.field === 'id') node[f.key] = encodeGlobalId('Deal', row.id);
        else if (f.field === 'amount' || f.field === 'currency') node[f.key] = amountShown ? row[f.field] : null;
        else node[f.key] = row[f.field];
      } else {
        const rel = row[f.field] as Record<string, unknown> | Record<string, unknown>[] | null;
        const type = RELATED[f.field].type;
        if (f.field === 'responsible' && !responsibleShown) node[f.key] = null;
        else if (Array.isArray(rel)) node[f.key] = rel.map((x) => shape(f.of, type, x));
        else node[f.key] = rel ? shape(f.of, type, rel) : null;
      }
    }
    const edge: Record<string, unknown> = {};
    if (plan.edgeTypename) edge[plan.edgeTypename] = 'QueryDealsConnectionEdge';
    edge[plan.node] = node;
    return edge;
  });
  const conn: Record<string, unknown> = {};
  if (plan.connTypename) conn[plan.connTypename] = 'QueryDealsConnection';
  conn[plan.edges] = nodes;
  return { data: { [plan.root]: conn } };
}

/**
 * The envelop plugin: answers a board page by its plan, after parse, validation, the cost limit
 * and the context are done, leaving every other operation (and any page the plan declines or
 * fails on) to graphql-js. Keep it last among the plugins, so the others' execute hooks run.
 */
export function useBoardPlan(opts: { enabled: boolean }): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!opts.enabled) return;
      const ctx = args.contextValue as Context;
      if (!ctx?.viewer) return;
      const plan = cachedPlan(args);
      if (!plan) return;
      return runPlan(plan, args, ctx as ServiceCtx).then(
        (result) => {
          if (!result) return;
          boardPlanStats.answered++;
          setResultAndStopExecution(result);
        },
        // Whatever went wrong, the general path answers it (a bad filter's ValidationError, ...).
        (err: unknown) => ctx.log.debug({ err }, 'board plan declined a page after trying it: the general path answers'),
      );
    },
  };
}

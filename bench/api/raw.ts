// The raw baseline of the API benchmark: a plain node:http server that answers the board page
// (the same JSON as this project's `deals` page) with one statement through `pg`, json_agg doing
// all the shaping. No authentication, no rights, no GraphQL: what the data costs by itself.
//
//   BENCH_DATABASE_URL=… BENCH_WORKSPACE_ID=… PORT=… node --import ./bench/api/probe.mjs --import tsx bench/api/raw.ts
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.BENCH_DATABASE_URL, max: 10 });
const workspaceId = process.env.BENCH_WORKSPACE_ID;

// Relay global ids as the API writes them: base64 of "Type:uuid" (short enough that PostgreSQL's
// base64 never wraps a line).
const gid = (type: string, col: string) => `encode(convert_to('${type}:' || ${col}, 'UTF8'), 'base64')`;
const field = `json_build_object('id', ${gid('CustomField', 'f.id')}, 'code', f.code)`;

export const BOARD_SQL = `
with defs as (
  select f.id, f.code, f.type, f.key::text as key, f."sortOrder", f."createdAt",
    (select jsonb_object_agg(o.id, json_build_object('id', ${gid('CustomFieldOption', 'o.id')}, 'label', o.label))
       from "CustomFieldOption" o where o."fieldId" = f.id) as options
  from "CustomField" f
  where f."workspaceId" = $1 and f."entityType" = 'DEAL' and not f.archived
), page as (
  select d.* from "Deal" d where d."workspaceId" = $1 and d."deletedAt" is null
  order by d.amount desc, d.id desc limit $2
)
select json_build_object('data', json_build_object('deals', json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
  'id', ${gid('Deal', 'd.id')}, 'name', d.name, 'amount', d.amount::text, 'currency', d.currency,
  'stage', (select json_build_object('id', ${gid('Stage', 's.id')}, 'name', s.name, 'kind', s.kind) from "Stage" s where s.id = d."stageId"),
  'responsible', (select json_build_object('id', ${gid('User', 'u.id')}, 'name', u.name) from "User" u where u.id = d."responsibleId"),
  'company', (select json_build_object('id', ${gid('Company', 'c.id')}, 'name', c.name) from "Company" c where c.id = d."companyId" and c."deletedAt" is null),
  'contacts', coalesce((select json_agg(json_build_object('id', ${gid('Contact', 'c.id')}, 'name', c.name) order by dc.position)
      from "DealContact" dc join "Contact" c on c.id = dc."contactId" where dc."dealId" = d.id and c."deletedAt" is null), '[]'),
  'tags', coalesce((select json_agg(json_build_object('id', ${gid('Tag', 't.id')}, 'name', t.name) order by t.name)
      from "DealTag" dt join "Tag" t on t.id = dt."tagId" where dt."dealId" = d.id), '[]'),
  'customFields', coalesce((select json_agg(case f.type
        when 'TEXT' then json_build_object('__typename', 'TextFieldValue', 'field', ${field}, 'text', d."customFields"->>f.key)
        when 'NUMBER' then json_build_object('__typename', 'NumberFieldValue', 'field', ${field}, 'number', d."customFields"->>f.key)
        when 'SELECT' then json_build_object('__typename', 'SelectFieldValue', 'field', ${field}, 'option', f.options -> (d."customFields"->>f.key))
      end order by f."sortOrder", f."createdAt")
      from defs f where d."customFields" ? f.key), '[]')
)) order by d.amount desc, d.id desc), '[]')))) as body
from page d`;

if (process.env.PORT) {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const first = Number((JSON.parse(raw || '{}') as { variables?: { first?: number } }).variables?.first ?? 50);
      // A named statement: each connection parses it once and PostgreSQL may reuse its plan, as
      // this project's server keeps its repeated statements (src/lib/prepared-statements.ts).
      pool.query<{ body: unknown }>({ name: 'board', text: BOARD_SQL, values: [workspaceId, first] }).then(
        (r) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(r.rows[0].body));
        },
        (err: Error) => {
          res.statusCode = 500;
          res.end(JSON.stringify({ errors: [{ message: err.message }] }));
        },
      );
    });
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
}

// Writes and reads that a test expects to succeed, answering the object: a failure (any other
// result member) fails the test with the payload. For the failures themselves, send the
// documents and narrow the result with `as`.
import type { Client, TestApp } from './app.js';
import { as } from './results.js';
import { CreateDeal, DealNode, UpdateDeal } from './documents/deals.js';
import { ContactNode, CreateContact } from './documents/contacts.js';
import { CompanyNode, CreateCompany } from './documents/companies.js';
import { CreateCustomField } from './documents/custom-fields.js';
import { CreatePipeline } from './documents/pipelines.js';
import type { CreateCompanyInput, CreateContactInput, CreateCustomFieldInput, CreateDealInput, CreatePipelineInput, UpdateDealInput } from '../gql/graphql.js';

export async function createDeal(c: Client, input: CreateDealInput) {
  return as((await c.gql(CreateDeal, { input })).createDeal, 'CreateDealSuccess').deal;
}

export async function updateDeal(c: Client, input: UpdateDealInput) {
  return as((await c.gql(UpdateDeal, { input })).updateDeal, 'UpdateDealSuccess').deal;
}

/** Creates a deal, then renames it: answers the deal and the SQL statements the rename sent (`app.queries`). */
export async function renameRecordingSql(c: Client, app: TestApp) {
  const deal = await createDeal(c, { name: 'Order' });
  app.queries.length = 0;
  await updateDeal(c, { id: deal.id, version: deal.version, name: 'Renamed' });
  return { deal, sql: [...app.queries] };
}

export async function readDeal(c: Client, id: string) {
  return as((await c.gql(DealNode, { id })).node!, 'Deal');
}

export async function createContact(c: Client, input: CreateContactInput) {
  return as((await c.gql(CreateContact, { input })).createContact, 'CreateContactSuccess').contact;
}

export async function readContact(c: Client, id: string) {
  return as((await c.gql(ContactNode, { id })).node!, 'Contact');
}

export async function createCompany(c: Client, input: CreateCompanyInput) {
  return as((await c.gql(CreateCompany, { input })).createCompany, 'CreateCompanySuccess').company;
}

export async function readCompany(c: Client, id: string) {
  return as((await c.gql(CompanyNode, { id })).node!, 'Company');
}

export async function defineField(c: Client, input: CreateCustomFieldInput) {
  return as((await c.gql(CreateCustomField, { input })).createCustomField, 'CreateCustomFieldSuccess').field;
}

export async function createPipeline(c: Client, input: CreatePipelineInput) {
  return as((await c.gql(CreatePipeline, { input })).createPipeline, 'CreatePipelineSuccess').pipeline;
}

/** A deal, contact or company by id, whatever its type (read from the id). */
export async function readCard(c: Client, id: string) {
  const type = Buffer.from(id, 'base64').toString('utf8').split(':')[0];
  return type === 'Deal' ? readDeal(c, id) : type === 'Contact' ? readContact(c, id) : readCompany(c, id);
}

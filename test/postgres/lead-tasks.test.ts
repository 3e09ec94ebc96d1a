// A task added to an incoming lead while the lead is being converted, on PostgreSQL where the two
// really overlap: the conversion waits for the task's transaction (which share-locks the lead, as
// createTask does) and moves that task to the deal too, instead of leaving it on a converted lead
// that is on no board. Runs in the PostgreSQL pass.
import { describe, expect, it } from '../kit/fixtures.js';
import { as, rawId } from '../kit/results.js';
import { ConvertLead, CreateIncomingLead } from '../kit/documents/leads.js';
import { Tasks } from '../kit/documents/tasks.js';

describe('tasks on a lead being converted', () => {
  it('a task committed while the conversion waits for it moves to the deal with the lead', async ({ workspace: ws, server }) => {
    const lead = as(
      (await ws.gql(CreateIncomingLead, { input: { name: 'Racing Ltd', phones: ['+79161112399'] } })).createIncomingLead,
      'CreateIncomingLeadSuccess',
    ).lead;
    const db = server.database.prisma;
    const leadId = rawId(lead.id);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const convert = () => ws.gql(ConvertLead, { input: { id: lead.id, version: lead.version } });
    let converting: ReturnType<typeof convert> | undefined;
    const adding = db.$transaction(
      async (tx) => {
        await tx.$queryRaw`select status from "IncomingLead" where id = ${leadId}::uuid for share`;
        await tx.task.create({
          data: { workspaceId: ws.workspaceId, leadId, type: 'CALL', text: 'Added mid-conversion', dueAt: new Date(), responsibleId: rawId(ws.admin.id) },
        });
        converting = convert();
        await released;
      },
      { timeout: 20_000 },
    );
    // The conversion is held by the task's transaction before it has touched the lead's tasks.
    await expect
      .poll(
        async () =>
          (
            await db.$queryRaw<{ n: number }[]>`select count(*)::int as n from pg_stat_activity
              where wait_event_type = 'Lock' and query ilike '%IncomingLead%' and datname = current_database()`
          )[0].n,
        { timeout: 10_000 },
      )
      .toBe(1);
    release();
    await adding;
    const deal = as((await converting!).convertLead, 'ConvertLeadSuccess').lead.deal!;
    const onDeal = (await ws.gql(Tasks, { filter: { cardId: deal.id }, first: 10 })).tasks.edges.map((e) => e.node.text);
    expect(onDeal).toEqual(['Added mid-conversion']);
    expect(await db.task.count({ where: { leadId } })).toBe(0);
  });
});

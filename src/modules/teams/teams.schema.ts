// Teams: the Team node with its members, a user's teams, and managing teams (administrators).
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { IdParser, parseId } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import { inWorkspace, registerNode } from '../cards/cards.schema.js';
import { User } from '../users/users.schema.js';
import * as teams from './teams.service.js';

registerNode('Team');

export const Team = builder.prismaNode('Team', {
  id: { field: 'id' },
  findUnique: inWorkspace,
  nullable: true,
  fields: (t) => ({
    name: t.exposeString('name'),
    members: t.field({
      type: [User],
      select: (_a, _c, nested) => ({ members: { select: { user: nested(true) } } }),
      resolve: (team) => team.members.map((m) => m.user),
    }),
  }),
});

builder.prismaObjectField('User', 'teams', (t) =>
  t.field({
    type: [Team],
    select: (_a, _c, nested) => ({ teams: { select: { team: nested(true) } } }),
    resolve: (u) => u.teams.map((m) => m.team),
  }),
);

builder.queryField('teams', (t) =>
  t.prismaField({ type: ['Team'], authScopes: { member: true }, resolve: (q, _r, _a, ctx) => teams.listTeams(authed(ctx), q) }),
);

const TeamInput = builder.inputType('CreateTeamInput', {
  fields: (t) => ({ name: t.string({ required: true }), memberIds: t.idList() }),
});

builder.mutationField('createTeam', (t) =>
  t.field({
    type: Team,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'team' } },
    args: { input: t.arg({ type: TeamInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const memberIds = ids.many('memberIds', 'User', input.memberIds) ?? [];
      ids.done();
      return teams.createTeam(authed(ctx), { name: input.name, memberIds });
    },
  }),
);

const UpdateTeamInput = builder.inputType('UpdateTeamInput', {
  fields: (t) => ({ id: t.id({ required: true }), name: t.string(), memberIds: t.idList() }),
});

builder.mutationField('updateTeam', (t) =>
  t.field({
    type: Team,
    authScopes: { writer: true },
    errors: { types: WRITE_ERRORS, dataField: { name: 'team' } },
    args: { input: t.arg({ type: UpdateTeamInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const id = ids.one('id', 'Team', input.id);
      const memberIds = ids.many('memberIds', 'User', input.memberIds);
      ids.done();
      return teams.updateTeam(authed(ctx), id, { name: input.name, memberIds });
    },
  }),
);

builder.mutationField('deleteTeam', (t) =>
  t.id({
    authScopes: { writer: true },
    description: 'Deletes a team; its members stay. Answers the deleted id.',
    errors: { types: WRITE_ERRORS },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, a, ctx) => {
      await teams.deleteTeam(authed(ctx), parseId('Team', a.id));
      return a.id;
    },
  }),
);

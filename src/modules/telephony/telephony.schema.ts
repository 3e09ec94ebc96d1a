// Telephony settings: what a call from an unknown number becomes. The phone system's endpoint is
// telephony.http.ts.
import { builder } from '../../builder.js';
import { authed } from '../../context.js';
import { encodeGlobalId, IdParser } from '../../lib/ids.js';
import { WRITE_ERRORS } from '../common/common.schema.js';
import * as telephony from './telephony.service.js';

const CallTarget = builder.enumType('CallTarget', {
  values: {
    LEAD: { description: 'An incoming lead in the inbox, with a call-back task on it.' },
    DEAL: { description: 'A contact and a deal in the given pipeline and stage, the call on its timeline and a call-back task on it.' },
  },
});

const TelephonySettings = builder.objectRef<telephony.TelephonySettings>('TelephonySettings').implement({
  fields: (t) => ({
    unknownCaller: t.field({ type: CallTarget, description: 'What a call from a number no contact has becomes.', resolve: (s) => s.unknownCaller }),
    pipelineId: t.id({
      nullable: true,
      description: 'DEAL: the pipeline (null: the first one).',
      resolve: (s) => (s.pipelineId ? encodeGlobalId('Pipeline', s.pipelineId) : null),
    }),
    stageId: t.id({
      nullable: true,
      description: "DEAL: the stage (null: the pipeline's first open stage). A deal the stage refuses becomes a lead saying why.",
      resolve: (s) => (s.stageId ? encodeGlobalId('Stage', s.stageId) : null),
    }),
  }),
});

builder.queryField('telephonySettings', (t) =>
  t.field({
    type: TelephonySettings,
    authScopes: { member: true },
    resolve: (_r, _a, ctx) => telephony.telephonySettings(authed(ctx)),
  }),
);

const UpdateTelephonySettingsInput = builder.inputType('UpdateTelephonySettingsInput', {
  fields: (t) => ({
    unknownCaller: t.field({ type: CallTarget, required: true }),
    pipelineId: t.id({ description: 'DEAL only.' }),
    stageId: t.id({ description: 'DEAL only; a stage of the pipeline when both are given.' }),
  }),
});

builder.mutationField('updateTelephonySettings', (t) =>
  t.field({
    type: TelephonySettings,
    authScopes: { writer: true },
    description: 'Sets what calls from unknown numbers become.',
    errors: { types: WRITE_ERRORS, dataField: { name: 'settings' } },
    args: { input: t.arg({ type: UpdateTelephonySettingsInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      const ids = new IdParser();
      const decoded = {
        unknownCaller: input.unknownCaller,
        pipelineId: ids.one('pipelineId', 'Pipeline', input.pipelineId) ?? null,
        stageId: ids.one('stageId', 'Stage', input.stageId) ?? null,
      };
      return telephony.updateTelephonySettings(authed(ctx), decoded, ids.issues);
    },
  }),
);

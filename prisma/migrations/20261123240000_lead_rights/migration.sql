-- Roles gain rights on incoming leads (SPEC §6). Existing roles get the scopes they have on
-- deals, since leads become deals; administrators have every right regardless.
UPDATE "Role" SET "rights" = "rights" || jsonb_build_object('LEAD', "rights"->'DEAL')
 WHERE NOT "isAdmin" AND "rights" ? 'DEAL' AND NOT "rights" ? 'LEAD';

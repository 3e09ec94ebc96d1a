// The kinds of card the CRM keeps. One vocabulary everywhere: the public `EntityType` enum, the
// `entityType` columns of field definitions and timeline entries, and the rights entities all
// spell a kind the same way.
export const CARD_KINDS = ['CONTACT', 'COMPANY', 'DEAL'] as const;
export type CardKind = (typeof CARD_KINDS)[number];

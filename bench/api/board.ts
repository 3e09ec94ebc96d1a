// The board page a dashboard loads: a page of deals with their stage, responsible, company,
// contacts, tags and custom fields. The API bench measures it (bench/api.bench.ts) and the board
// plan's tests (test/board-plan.test.ts) check that the planned path answers it as the general one.
export const boardQuery = (
  sort: 'AMOUNT' | 'NAME' = 'AMOUNT',
) => `query Board($first: Int!) { deals(first: $first, orderBy: [{ field: ${sort}, direction: DESC }]) {
  edges { node { id name amount currency stage { id name kind } responsible { id name } company { id name }
    contacts { id name } tags { id name }
    customFields { __typename
      ... on TextFieldValue { field { id code } text }
      ... on NumberFieldValue { field { id code } number }
      ... on SelectFieldValue { field { id code } option { id label } } } } } } }`;

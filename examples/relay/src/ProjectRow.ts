// One project in a list, refetchable on its own through `node(id:)`.
import { graphql } from "relay-runtime";

export const projectRow = graphql`
  fragment ProjectRow_project on Project
  @refetchable(queryName: "ProjectRowRefetchQuery") {
    id
    name
    slug
    status
    updatedAt
    createdBy {
      email
    }
  }
`;

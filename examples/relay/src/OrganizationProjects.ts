// A pagination fragment over `Organization.projects`: Relay refetches the
// organization through `node(id:)` to load the next page, so this compiles
// only against a schema with the Node interface and a Relay connection.
import { graphql } from "relay-runtime";

export const organizationProjects = graphql`
  fragment OrganizationProjects_organization on Organization
  @refetchable(queryName: "OrganizationProjectsPaginationQuery")
  @argumentDefinitions(
    first: { type: "Int", defaultValue: 20 }
    after: { type: "String" }
    status: { type: "ProjectStatus" }
  ) {
    name
    projects(first: $first, after: $after, filter: { status: $status })
      @connection(key: "OrganizationProjects_projects", filters: ["filter"]) {
      totalCount
      edges {
        node {
          id
          ...ProjectRow_project
        }
      }
    }
  }
`;

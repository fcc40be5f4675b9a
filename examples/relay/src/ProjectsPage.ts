// The page's query: the organization by slug (or by id, through the
// `@oneOf` input), spreading the pagination fragment.
import { graphql } from "relay-runtime";

export const projectsPage = graphql`
  query ProjectsPageQuery($slug: String!) {
    organization(by: { slug: $slug }) {
      ...OrganizationProjects_organization
    }
    viewer {
      id
      email
    }
  }
`;

export const archive = graphql`
  mutation ProjectsPageArchiveMutation($id: ID!) {
    archiveProject(id: $id) {
      project {
        id
        status
      }
    }
  }
`;

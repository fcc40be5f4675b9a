// Creates a project through Apollo Client 4 with automatic persisted
// queries, then sends a bad one and prints each error next to its field.
//
//   API_URL=http://127.0.0.1:8000 API_TOKEN=pat_… npm start
//
// Exits non-zero when the server does not answer as its contract says, so
// CI runs it against a live server.
import { createHash } from "node:crypto";

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from "@apollo/client";
import { CombinedGraphQLErrors } from "@apollo/client/errors";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

import { graphql } from "./gql/index.js";
import type { CreateProjectInput } from "./gql/graphql.js";

const CreateProject = graphql(`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      project {
        id
        slug
        status
        environments
        settings {
          defaultLocale
        }
      }
    }
  }
`);

const apiUrl = process.env.API_URL ?? "http://127.0.0.1:8000";
const token = process.env.API_TOKEN;
if (!token) {
  throw new Error("Set API_TOKEN (projects-api admin create-user prints one).");
}

// What went over the wire, to show the persisted-query round trips.
const sent: Array<{ query: boolean; hash: boolean }> = [];
const recordingFetch: typeof fetch = async (input, init) => {
  const body = JSON.parse(String(init?.body ?? "{}"));
  sent.push({
    query: typeof body.query === "string",
    hash: Boolean(body.extensions?.persistedQuery?.sha256Hash),
  });
  return fetch(input, init);
};

const client = new ApolloClient({
  cache: new InMemoryCache(),
  link: ApolloLink.from([
    new PersistedQueryLink({
      sha256: (document: string) => createHash("sha256").update(document).digest("hex"),
    }),
    new HttpLink({
      uri: `${apiUrl}/graphql`,
      headers: { authorization: `Bearer ${token}` },
      fetch: recordingFetch,
    }),
  ]),
});

async function create(input: CreateProjectInput) {
  return client.mutate({ mutation: CreateProject, variables: { input }, errorPolicy: "all" });
}

function fail(message: string): never {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

const name = `Typed ${Date.now()}`;
const created = await create({ name, description: "Created by the typed example." });
const project = created.data?.createProject?.project;
if (!project) fail(`no project: ${JSON.stringify(created.error)}`);
// `project` is typed from schema.graphql: slug is a string, status an enum.
console.log(`created ${project.slug} (${project.status}), environments ${project.environments.join(", ")}`);

const bad = await create({
  name: "",
  slug: "Bad Slug!",
  settings: { thumbnailUrl: "cdn.example.com/a.png" },
});
if (bad.data?.createProject) fail("the bad project was created");
if (!CombinedGraphQLErrors.is(bad.error)) fail(`expected GraphQL errors, got ${String(bad.error)}`);
const byField = new Map<string, string>();
for (const error of bad.error.errors) {
  const field = (error.extensions?.field as string[] | undefined)?.join(".") ?? "(request)";
  const code = String(error.extensions?.code);
  byField.set(field, code);
  console.log(`${field}: ${code}: ${error.message}`);
}
const expected: Record<string, string> = {
  "input.name": "INVALID_NAME",
  "input.slug": "INVALID_SLUG",
  "input.settings.thumbnailUrl": "INVALID_URL",
};
for (const [field, code] of Object.entries(expected)) {
  if (byField.get(field) !== code) fail(`expected ${code} at ${field}`);
}

// Automatic persisted queries: the first request of a document is its
// hash alone; the server asks for the document once, then knows it.
if (sent[0]?.query !== false || sent[0]?.hash !== true) fail(`first request was not hash-only: ${JSON.stringify(sent)}`);
if (!sent.some((request) => request.query && request.hash)) fail("the document was never registered");
const before = sent.length;
await create({ name: `${name} again` });
const last = sent.slice(before);
if (last.length !== 1 || last[0]?.query !== false) fail(`a known document was sent again: ${JSON.stringify(last)}`);
console.log(`persisted queries: ${sent.length} requests, the last one by hash alone`);

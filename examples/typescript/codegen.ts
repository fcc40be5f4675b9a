// GraphQL Code Generator: typed documents for every `graphql(...)` call in
// src/, from the server's committed schema.graphql.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**"],
  ignoreNoDocuments: false,
  // NodeNext needs the `.js` extensions in the generated imports.
  emitLegacyCommonJSImports: false,
  generates: {
    "./src/gql/": {
      preset: "client",
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: "string", JSON: "unknown" },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;

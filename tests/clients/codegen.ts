// graphql-codegen: types for the operations in src/operations.ts, from the SDL the server exports.
// The schema path is relative to this file, so a copy of this folder laid out as
// <root>/tests/clients beside <root>/schema/schema.graphql checks another SDL (the break test).
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../../schema/schema.graphql",
  documents: ["src/operations.ts"],
  ignoreNoDocuments: false,
  // Relative imports with a `.js` suffix, as Node ESM (module: nodenext) requires.
  emitLegacyCommonJSImports: false,
  generates: {
    // The client preset: a typed `graphql()` and a TypedDocumentNode per operation.
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        strictScalars: true,
        scalars: { Date: "string", DateTime: "string", JSON: "unknown", LanguageTag: "string" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
    // Apollo's InMemoryCache needs every interface's implementations (fragment matching).
    "src/gql/possible-types.ts": {
      plugins: ["fragment-matcher"],
      config: { useExplicitTyping: true },
    },
  },
};

export default config;

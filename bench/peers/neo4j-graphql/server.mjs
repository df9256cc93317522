// The @neo4j/graphql peer of kgapi's benchmark: the library's generated schema over the same
// Neo4j and data, served by graphql-yoga with its defaults (which include parse and validation
// caches) and no response cache. Configuration comes from the environment, as kgapi's does.
import { createServer } from "node:http";

import { Neo4jGraphQL } from "@neo4j/graphql";
import { createYoga, maskError } from "graphql-yoga";
import neo4j from "neo4j-driver";

import { typeDefs } from "./typedefs.mjs";

const uri = process.env.NEO4J_URI ?? "bolt://127.0.0.1:7687";
const user = process.env.NEO4J_USERNAME ?? "neo4j";
const password = process.env.NEO4J_PASSWORD ?? "";
const database = process.env.NEO4J_DATABASE ?? "neo4j";
const port = Number(process.env.PORT ?? 4000);
const host = process.env.HOST ?? "127.0.0.1";

// The same pool size and retry budget as kgapi's defaults (max_connection_pool_size = 50;
// max_transaction_retry_time = KGAPI_QUERY_TIMEOUT = 10 s; the driver's own default is 30 s).
const driver = neo4j.driver(uri, neo4j.auth.basic(user, password), {
  maxConnectionPoolSize: 50,
  maxTransactionRetryTime: 10000,
  disableLosslessIntegers: true,
});
await driver.verifyConnectivity({ database });

const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const schema = await neoSchema.getSchema();

const yoga = createYoga({
  schema,
  graphqlEndpoint: "/graphql",
  logging: false,
  context: () => ({ sessionConfig: { database } }),
  // Clients get yoga's masked "Unexpected error."; the cause goes to the log (the benchmark
  // quotes it when a query fails).
  maskedErrors: {
    maskError(error, message, isDev) {
      const cause = error?.originalError ?? error;
      console.error(`ERROR ${cause?.code ?? ""} ${String(cause?.message ?? cause).split("\n")[0]}`);
      return maskError(error, message, isDev);
    },
  },
});

const server = createServer(yoga);
server.listen(port, host, () => {
  console.log(`READY http://${host}:${port}/graphql`);
});

async function shutdown() {
  server.close();
  await driver.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);

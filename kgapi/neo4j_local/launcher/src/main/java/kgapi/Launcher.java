package kgapi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs Neo4j Community as an embedded DBMS with its Bolt server, for machines without Docker.
 *
 * Maven Central does not publish the 5.x standalone server distribution, but it does publish the
 * DBMS itself (org.neo4j:neo4j, which brings neo4j-bolt). This launcher is the only Java in
 * kgapi: it reads a neo4j.conf written by kgapi.neo4j_local, sets the initial password (embedded
 * transactions run without authentication, so the password can be set before any client
 * connects), prints one READY line, and shuts the DBMS down cleanly on SIGTERM.
 *
 * Usage: java -cp ... kgapi.Launcher HOME_DIR CONF_FILE
 * The user name and password come from KGAPI_NEO4J_INIT_USER and KGAPI_NEO4J_INIT_PASSWORD so
 * that they never appear in the process list.
 */
public final class Launcher {
    private static final String SYSTEM_DATABASE = "system";
    private static final String DEFAULT_USER = "neo4j";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: kgapi.Launcher HOME_DIR CONF_FILE");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path conf = Path.of(args[1]).toAbsolutePath();
        if (!Files.isRegularFile(conf)) {
            System.err.println("configuration file not found: " + conf);
            System.exit(2);
        }
        String user = envOr("KGAPI_NEO4J_INIT_USER", DEFAULT_USER);
        String password = System.getenv("KGAPI_NEO4J_INIT_PASSWORD");
        if (password == null || password.isEmpty()) {
            System.err.println("KGAPI_NEO4J_INIT_PASSWORD is not set");
            System.exit(2);
        }

        DatabaseManagementService dbms =
                new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "kgapi-neo4j-shutdown"));

        try {
            setCredentials(dbms.database(SYSTEM_DATABASE), user, password);
        } catch (RuntimeException e) {
            System.err.println("could not set the credentials of user " + user + ": " + e.getMessage());
            System.exit(1);
        }
        System.out.println("READY " + org.neo4j.kernel.internal.Version.getNeo4jVersion());
        System.out.flush();
        stopped.await();
    }

    /** Idempotent: the same user and password on every start, whatever the data directory holds. */
    private static void setCredentials(GraphDatabaseService system, String user, String password) {
        if (!DEFAULT_USER.equals(user)) {
            system.executeTransactionally(
                    "CREATE USER $user IF NOT EXISTS SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("user", user, "password", password));
        }
        try {
            system.executeTransactionally(
                    "ALTER USER $user SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("user", user, "password", password));
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to itself: then it is already what we want.
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
        }
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }
}

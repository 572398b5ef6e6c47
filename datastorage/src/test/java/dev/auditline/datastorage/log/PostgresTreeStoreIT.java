package dev.auditline.datastorage.log;

import dev.auditline.datastorage.store.StorageConfig;
import dev.auditline.datastorage.store.TestPostgres;
import javax.sql.DataSource;

class PostgresTreeStoreIT extends TreeStoreContract {
    private TestPostgres.Database database;

    @Override
    protected StorageConfig newStore() {
        database = TestPostgres.shared().createDatabase();
        return database.storageConfig();
    }

    @Override
    protected DataSource dataSource(StorageConfig config) {
        return database.dataSource();
    }

    @Override
    protected boolean postgres() {
        return true;
    }

    @Override
    protected String versionBeforeStrips() {
        return "70";
    }
}

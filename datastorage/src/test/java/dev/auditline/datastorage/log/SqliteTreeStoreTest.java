package dev.auditline.datastorage.log;

import dev.auditline.datastorage.store.StorageConfig;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

class SqliteTreeStoreTest extends TreeStoreContract {
    @TempDir
    Path dir;

    private int stores;

    @Override
    protected StorageConfig newStore() {
        return StorageConfig.of("sqlite:" + dir.resolve("tree-" + stores++ + ".db"));
    }

    @Override
    protected DataSource dataSource(StorageConfig config) {
        SQLiteDataSource files = new SQLiteDataSource();
        files.setUrl(config.jdbcUrl());
        return files;
    }

    @Override
    protected boolean postgres() {
        return false;
    }

    @Override
    protected String versionBeforeStrips() {
        return "60";
    }
}

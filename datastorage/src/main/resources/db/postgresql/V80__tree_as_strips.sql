-- The Merkle tree as strips (docs/verifiable-log.md, DataStorage's TreeStrips): only the levels
-- that are multiples of 8 are stored, as runs of up to 256 consecutive node hashes of one level
-- that never cross a tile (the 256 nodes from a multiple of 256). A node of another level is hashed
-- on read from the at most 128 stored nodes under it. log_tree_node wrote about two rows per
-- logged event; this writes about one row per 256, plus a few per round for the upper levels.
-- Append-only like the rest of the log: a redone round adds overlapping strips with the same hashes.

CREATE TABLE log_tree_strip (
    level       SMALLINT NOT NULL CHECK (level BETWEEN 0 AND 56 AND level % 8 = 0),
    node_index  BIGINT   NOT NULL CHECK (node_index >= 0),
    node_count  SMALLINT NOT NULL CHECK (node_count BETWEEN 1 AND 256 AND node_index % 256 + node_count <= 256),
    hashes      BYTEA    NOT NULL CHECK (octet_length(hashes) = 32 * node_count),
    PRIMARY KEY (level, node_index, node_count)
);
-- hashes do not compress: store them out of line without trying
ALTER TABLE log_tree_strip ALTER COLUMN hashes SET STORAGE EXTERNAL;
REVOKE ALL ON log_tree_strip FROM PUBLIC;

CREATE TRIGGER log_tree_strip_append_only BEFORE UPDATE OR DELETE ON log_tree_strip
    FOR EACH ROW EXECUTE FUNCTION log_reject_change();
CREATE TRIGGER log_tree_strip_no_truncate BEFORE TRUNCATE ON log_tree_strip
    FOR EACH STATEMENT EXECUTE FUNCTION log_reject_change();

-- The stored nodes of the stored levels become strips: consecutive indexes (a run keeps
-- node_index - row_number() constant) within one tile.
INSERT INTO log_tree_strip (level, node_index, node_count, hashes)
SELECT level, min(node_index), count(*), string_agg(hash, ''::bytea ORDER BY node_index)
FROM (SELECT level, node_index, hash,
             node_index - row_number() OVER (PARTITION BY level ORDER BY node_index) AS run
      FROM log_tree_node
      WHERE level % 8 = 0) n
GROUP BY level, node_index / 256, run;

DROP TABLE log_tree_node;

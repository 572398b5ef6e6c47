-- The Merkle tree as strips, as in db/postgresql/V80__tree_as_strips.sql: only the levels that are
-- multiples of 8, as runs of up to 256 consecutive node hashes of one level within one tile.

CREATE TABLE log_tree_strip (
    level       INTEGER NOT NULL CHECK (level BETWEEN 0 AND 56 AND level % 8 = 0),
    node_index  INTEGER NOT NULL CHECK (node_index >= 0),
    node_count  INTEGER NOT NULL CHECK (node_count BETWEEN 1 AND 256 AND node_index % 256 + node_count <= 256),
    hashes      BLOB    NOT NULL CHECK (length(hashes) = 32 * node_count),
    PRIMARY KEY (level, node_index, node_count)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER log_tree_strip_no_update BEFORE UPDATE ON log_tree_strip
BEGIN SELECT RAISE(ABORT, 'log_tree_strip is append-only: UPDATE is not allowed'); END;
CREATE TRIGGER log_tree_strip_no_delete BEFORE DELETE ON log_tree_strip
BEGIN SELECT RAISE(ABORT, 'log_tree_strip is append-only: DELETE is not allowed'); END;

-- The stored nodes of the stored levels become strips: consecutive indexes (a run keeps
-- node_index - row_number() constant) within one tile.
INSERT INTO log_tree_strip (level, node_index, node_count, hashes)
SELECT level, min(node_index), count(*), unhex(group_concat(hex(hash), '' ORDER BY node_index))
FROM (SELECT level, node_index, hash,
             node_index - row_number() OVER (PARTITION BY level ORDER BY node_index) AS run
      FROM log_tree_node
      WHERE level % 8 = 0)
GROUP BY level, node_index / 256, run;

DROP TABLE log_tree_node;

//! Multi-row statements with `$N` placeholders, which both SQLite and PostgreSQL accept.

/// `(​$1, $2), ($3, $4)` for `rows` rows of `columns` columns.
pub(crate) fn values(rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&(row * columns + column + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

/// `$1, $2, $3` for an `IN (…)` list of `count` values.
pub(crate) fn list(count: usize) -> String {
    (1..=count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// Rows per statement, so that no statement binds more than SQLite's and PostgreSQL's limits allow.
pub(crate) fn chunk_rows(columns: usize) -> usize {
    (30_000 / columns).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(values(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(list(3), "$1, $2, $3");
    }
}

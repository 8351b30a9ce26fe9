//! The one table the pressure bench prints: its rows, and how figures read in it.

use std::time::Duration;

use super::BenchResult;

/// A line of the table.
pub struct Row {
    pub measure: String,
    pub opspod: String,
    pub naive: String,
    pub aim: String,
}

impl Row {
    pub fn new(measure: impl Into<String>, opspod: String, naive: impl Into<String>, aim: impl Into<String>) -> Row {
        Row { measure: measure.into(), opspod, naive: naive.into(), aim: aim.into() }
    }
}

pub const NOT_MEASURED: &str = "not measured";
pub const NONE: &str = "—";

/// The rows a measure made, or one per name saying why it could not measure.
pub fn or_not_measured(names: &[&str], measured: BenchResult<Vec<Row>>) -> Vec<Row> {
    match measured {
        Ok(rows) => rows,
        Err(error) => {
            let why = error.to_string().replace('\n', " ");
            eprintln!("pressure: {} failed: {why}", names.first().copied().unwrap_or_default());
            names.iter().map(|name| Row::new(*name, format!("{NOT_MEASURED}: {why}"), NONE, NONE)).collect()
        }
    }
}

pub fn print_table(rows: &[Row]) {
    let header = Row::new("measure", "opspod".into(), "naive baseline (same run)", "aim / limit");
    let cells = |row: &Row| [row.measure.clone(), row.opspod.clone(), row.naive.clone(), row.aim.clone()];
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(cells(row)) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &Row| {
        let padded: Vec<String> = widths
            .iter()
            .zip(cells(row))
            .map(|(width, cell)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect();
        println!("{}", padded.join(" │ ").trim_end());
    };
    line(&header);
    println!("{}", widths.iter().map(|width| "─".repeat(*width)).collect::<Vec<_>>().join("─┼─"));
    for row in rows {
        line(row);
    }
}

/// The aim, and whether this run met it.
pub fn verdict(aim: &str, met: bool) -> String {
    format!("{aim}: {}", if met { "met" } else { "MISSED" })
}

/// `12345` as `12,345`.
pub fn count(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `1 post`, `2 posts`.
pub fn plural(n: usize, what: &str) -> String {
    format!("{} {what}{}", count(n), if n == 1 { "" } else { "s" })
}

pub fn secs(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// A long duration in the unit that reads best.
pub fn long(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 3_600.0 {
        format!("{:.1} h", seconds / 3_600.0)
    } else if seconds >= 60.0 {
        format!("{:.1} min", seconds / 60.0)
    } else {
        secs(duration)
    }
}

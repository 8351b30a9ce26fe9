//! Text helpers the answers share: Discord's length limit, Markdown escaping, mention defusing, numbers and times.

use chrono::{DateTime, Utc};

/// Discord refuses message content longer than this.
pub const DISCORD_LIMIT: usize = 2_000;

/// How long Discord thinks a text is. Discord's clients count UTF-16 code units, so an emoji can count twice;
/// counting the same way keeps every answer under the limit whatever it contains.
pub fn discord_len(text: &str) -> usize {
    text.encode_utf16().count()
}

/// Breaks `@everyone`, `@here`, `<@123>` and `<#123>` in text that came from AWS or logs, so it can never ping
/// anyone or link a channel: a zero-width space after each `@`, and between `<` and `#`, leaves the text readable
/// but no longer a mention. Bidi controls, which can make a log line read in another order than it is written,
/// are dropped.
pub fn defuse_mentions(text: &str) -> String {
    let mut defused = String::with_capacity(text.len() + 8);
    for c in text.chars().filter(|&c| !is_bidi_control(c)) {
        if c == '#' && defused.ends_with('<') {
            defused.push('\u{200B}');
        }
        defused.push(c);
        if c == '@' {
            defused.push('\u{200B}');
        }
    }
    defused
}

/// The embedding, override and isolate controls and the direction marks ("Trojan Source" characters).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Log text on one line, at most `max` characters, with `…` when it was cut.
pub fn one_line(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// What a user typed, quoted back in an error message: one line, at most 60 characters, in a code span, and
/// unable to ping anyone however it was written.
pub fn echo(input: &str) -> String {
    code_span(&one_line(input, 60))
}

/// An inline code span that survives backticks in its content: CommonMark (and Discord) close a span only
/// on a run of backticks as long as the opening one, so the fence is one longer than the longest run inside.
pub fn code_span(text: &str) -> String {
    let text = defuse_mentions(&one_line(text, usize::MAX));
    let fence = "`".repeat(longest_backtick_run(&text) + 1);
    // A span that starts or ends with a backtick needs a space, which CommonMark strips again.
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A fenced code block whose fence is longer than any backtick run in the content.
pub fn code_block(text: &str) -> String {
    let text = defuse_mentions(text);
    let fence = "`".repeat((longest_backtick_run(&text) + 1).max(3));
    format!("{fence}\n{text}\n{fence}")
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Free text from AWS or logs as plain Markdown: punctuation that would start emphasis, a link or a tag is
/// backslash-escaped, and mentions are defused.
pub fn escape_inline(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in one_line(text, usize::MAX).chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    defuse_mentions(&escaped)
}

/// Makes already-rendered Markdown safe inside a GFM table cell: a pipe ends the cell even inside a code span,
/// unless it is escaped.
pub fn table_cell(markdown: &str) -> String {
    let mut cell = String::with_capacity(markdown.len());
    let mut escaped = false;
    for c in markdown.chars() {
        if c == '|' && !escaped {
            cell.push('\\');
        }
        escaped = c == '\\' && !escaped;
        cell.push(c);
    }
    cell
}

/// `12,345`: counts read at a glance.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A milliseconds figure with thousands separators and no decimals: `1,328`.
pub fn millis(ms: f64) -> String {
    thousands(ms.max(0.0).round() as u64)
}

/// A fraction as a percentage with one decimal; tiny non-zero rates say `<0.1%` rather than a misleading `0.0%`.
pub fn percent(rate: f64) -> String {
    match rate * 100.0 {
        p if p > 0.0 && p < 0.05 => "<0.1%".into(),
        p => format!("{p:.1}%"),
    }
}

/// `count / total`, or `None` when there is no total to divide by.
pub fn ratio(count: u64, total: u64) -> Option<f64> {
    (total > 0).then(|| count as f64 / total as f64)
}

/// `1 function`, `3 functions`.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// `11-20 14:01`: answers cover up to 30 days, so the day matters, and the year does not.
pub fn day_minute(at: DateTime<Utc>) -> String {
    at.format("%m-%d %H:%M").to_string()
}

/// `11-20 14:01–14:16`, or `11-19 22:10 – 11-20 14:16` across midnight.
pub fn seen_between(first: DateTime<Utc>, last: DateTime<Utc>) -> String {
    if first.date_naive() == last.date_naive() {
        format!("{}–{}", day_minute(first), last.format("%H:%M"))
    } else {
        format!("{} – {}", day_minute(first), day_minute(last))
    }
}

/// `2026-11-20 14:01:07 UTC`, for reports that outlive the chat.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// RFC 3339 in UTC with a `Z`, as the JSON output promises.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A message of a fixed head and tail around blocks that are listed in order while they fit Discord's limit.
/// Blocks are cut whole, so no item loses half its lines, and `left_out` words the line that says how many
/// were cut (it also receives the blocks dropped before fitting, such as those past a list's cap).
pub struct Fit<'a> {
    pub head: Vec<String>,
    pub blocks: Vec<Vec<String>>,
    pub tail: Vec<String>,
    pub already_left_out: usize,
    pub left_out: &'a dyn Fn(usize) -> String,
}

impl Fit<'_> {
    pub fn render(self) -> String {
        let join = |lines: &[String]| lines.join("\n");
        let mut shown: Vec<String> = self.head.clone();
        let total = self.blocks.len() + self.already_left_out;
        // Room for the tail and for a "left out" line that names every block.
        let reserve = discord_len(&join(&self.tail)) + discord_len(&(self.left_out)(total)) + 2;
        let mut used = discord_len(&join(&shown));
        let mut kept = 0;
        for block in &self.blocks {
            let size = discord_len(&join(block)) + 1;
            if used + size + reserve > DISCORD_LIMIT {
                break;
            }
            used += size;
            kept += 1;
            shown.extend(block.iter().cloned());
        }
        let left_out = total - kept;
        if left_out > 0 {
            shown.push((self.left_out)(left_out));
        }
        shown.extend(self.tail);
        join(&shown)
    }
}

/// Notes from the caller, in italics, at most a few and each on one short line: they must never crowd out
/// the answer itself.
pub fn italic_notes(notes: &[String]) -> Vec<String> {
    const SHOWN: usize = 3;
    let mut lines: Vec<String> =
        notes.iter().take(SHOWN).map(|note| format!("_{}_", escape_inline(&one_line(note, 200)))).collect();
    if notes.len() > SHOWN {
        lines.push(format!("_… and {}_", plural((notes.len() - SHOWN) as u64, "more note", "more notes")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_span_outlasts_the_backticks_inside_it() {
        assert_eq!(code_span("plain"), "`plain`");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_span("```x"), "```` ```x ````");
    }

    #[test]
    fn a_code_block_fence_outlasts_fences_inside_it() {
        assert_eq!(code_block("```\nrm -rf\n```"), "````\n```\nrm -rf\n```\n````");
        assert_eq!(code_block("x"), "```\nx\n```");
    }

    #[test]
    fn mentions_from_logs_cannot_ping() {
        let defused = escape_inline("ping @everyone and @here and <@123>");
        assert!(!defused.contains("@everyone") && !defused.contains("@here") && !defused.contains("<@1"));
        assert!(!code_span("@everyone").contains("@everyone"));
        assert!(!code_span("see <#789>").contains("<#"), "nor link a channel");
    }

    #[test]
    fn bidi_controls_from_logs_are_dropped() {
        assert_eq!(code_span("evil\u{202E}txt.exe\u{202C}"), "`eviltxt.exe`");
    }

    #[test]
    fn pipes_are_escaped_once_in_table_cells() {
        assert_eq!(table_cell("`a|b`"), "`a\\|b`");
        assert_eq!(table_cell("a\\|b"), "a\\|b");
    }

    #[test]
    fn numbers_read_at_a_glance() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(0.154), "15.4%");
        assert_eq!(percent(0.0001), "<0.1%");
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(ratio(1, 0), None);
    }

    #[test]
    fn long_log_lines_are_cut_with_an_ellipsis() {
        assert_eq!(one_line("a\n  b", 10), "a b");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }

    #[test]
    fn a_fit_cuts_whole_blocks_and_says_how_many() {
        let blocks = (0..500).map(|i| vec![format!("block {i}"), "x".repeat(40)]).collect();
        let text = Fit {
            head: vec!["head".into()],
            blocks,
            tail: vec!["tail".into()],
            already_left_out: 10,
            left_out: &|n| format!("… and {n} more"),
        }
        .render();
        assert!(discord_len(&text) <= DISCORD_LIMIT);
        assert!(text.ends_with("more\ntail"), "{text}");
        let shown = text.matches("block ").count();
        assert!(text.contains(&format!("… and {} more", 510 - shown)));
    }
}

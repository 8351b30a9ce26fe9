//! Custom commands a team defines in config: a Logs Insights query with `{placeholders}`, the log groups it reads
//! (which may name `{function}`), and typed options. Values are validated and written into the query as
//! literals, so no value can ever change the query around it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::args::{ArgError, FunctionName, Since};
use crate::text::{self, Fit};

/// Longest text value accepted: enough for a search term, too short to smuggle a query.
const MAX_TEXT: usize = 200;
/// Rows shown before the rest are counted.
const SHOWN: usize = 50;

/// What a placeholder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any text, written as a double-quoted string literal.
    Text,
    /// A finite number, written as a number.
    Number,
    /// A Lambda function name, checked against Lambda's rules; written as a string literal in the query.
    Function,
}

impl Kind {
    pub fn parse(raw: &str) -> Option<Kind> {
        Some(match raw {
            "text" => Kind::Text,
            "number" => Kind::Number,
            "function" => Kind::Function,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OptionDef {
    pub name: String,
    pub kind: Kind,
    pub required: bool,
}

/// A command as config defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: String,
    pub description: String,
    pub query: String,
    pub log_groups: Vec<String>,
    pub options: Vec<OptionDef>,
}

impl Definition {
    /// Every problem with the definition: a bad name, an undeclared or unused placeholder, a log group
    /// placeholder that is not a function.
    pub fn problems(&self, builtins: &[&str]) -> Vec<String> {
        let mut problems = Vec::new();
        let name_ok = (1..=32).contains(&self.name.len())
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !name_ok {
            problems.push(format!("name {:?} must be 1–32 lowercase letters, digits, - or _", self.name));
        }
        if builtins.contains(&self.name.as_str()) {
            problems.push(format!("name {:?} is a built-in command", self.name));
        }
        if self.log_groups.is_empty() {
            problems.push("log_groups lists no log group".into());
        }
        let declared = |name: &str| self.options.iter().find(|option| option.name == name);
        for used in placeholders(&self.query) {
            if declared(&used).is_none() {
                problems.push(format!("the query uses {{{used}}}, which is not among the options"));
            }
        }
        for group in &self.log_groups {
            for used in placeholders(group) {
                match declared(&used) {
                    Some(option) if option.kind == Kind::Function => {}
                    _ => problems.push(format!("log group {group:?} may only use a function option, not {{{used}}}")),
                }
            }
        }
        problems
    }

    /// The query and log groups with `values` written in, or what is wrong with a value (never echoing a
    /// mention back to chat).
    pub fn fill(&self, values: &BTreeMap<String, String>) -> Result<(String, Vec<String>), ArgError> {
        self.filled(values).map_err(defused)
    }

    fn filled(&self, values: &BTreeMap<String, String>) -> Result<(String, Vec<String>), ArgError> {
        if let Some(unknown) = values.keys().find(|key| !self.options.iter().any(|option| &option.name == *key)) {
            let names: Vec<&str> = self.options.iter().map(|option| option.name.as_str()).collect();
            return Err(ArgError(format!("/{} has no option `{unknown}`; it takes {}", self.name, names.join(", "))));
        }
        let mut literals = BTreeMap::new();
        let mut raw = BTreeMap::new();
        for option in &self.options {
            let Some(value) = values.get(&option.name) else {
                if option.required {
                    return Err(ArgError(format!("/{} needs `{}`", self.name, option.name)));
                }
                literals.insert(option.name.clone(), "\"\"".to_owned());
                continue;
            };
            let (literal, plain) = literal(option, value)?;
            literals.insert(option.name.clone(), literal);
            raw.insert(option.name.clone(), plain);
        }
        let query = substitute(&self.query, &literals);
        let groups = self.log_groups.iter().map(|group| substitute(group, &raw)).collect();
        Ok((query, groups))
    }
}

/// The value as a query literal, and as plain text for log group names.
fn literal(option: &OptionDef, value: &str) -> Result<(String, String), ArgError> {
    let value = value.trim();
    match option.kind {
        Kind::Number => {
            let number: f64 =
                value.parse().ok().filter(|n: &f64| n.is_finite()).ok_or_else(|| {
                    ArgError(format!("`{}` must be a number; got {}", option.name, text::echo(value)))
                })?;
            Ok((number.to_string(), number.to_string()))
        }
        Kind::Function => {
            let function = FunctionName::parse(value)?;
            Ok((string_literal(function.as_str()), function.as_str().to_owned()))
        }
        Kind::Text => {
            if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
                return Err(ArgError(format!("`{}` must be one line of at most {MAX_TEXT} characters", option.name)));
            }
            Ok((string_literal(value), value.to_owned()))
        }
    }
}

/// A Logs Insights string literal: double quotes, with `\` and `"` escaped, so the value stays a value.
pub fn string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn placeholders(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else { break };
        let name = &after[..close];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            found.push(name.to_owned());
        }
        rest = &after[close + 1..];
    }
    found
}

/// Each `{name}` of `template` replaced by its value in one pass: a value holding `{other}` stays as typed, where
/// replacing one name after another would write the other value in there and could close the literal around it.
fn substitute(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').and_then(|close| Some((close, values.get(&after[..close])?))) {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A typed line for one of `definitions`: `/slow-orders function:checkout-api text:"order failed" since:6h`.
/// `None` when the line names none of them; otherwise the definition's index, its values and the window, or what
/// is wrong with the line (never echoing a mention back to chat).
pub fn parse_line(line: &str, definitions: &[(Definition, Since)]) -> Option<Result<Invocation, ArgError>> {
    let line = line.trim();
    let (command, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let name = command.strip_prefix('/').unwrap_or(command);
    let index = definitions.iter().position(|(definition, _)| definition.name == name)?;
    Some(values(rest, definitions[index].1).map(|(values, since)| Invocation { index, values, since }).map_err(defused))
}

/// The same error with every `@` broken, as `ask::parse` does: these errors quote what was typed.
fn defused(error: ArgError) -> ArgError {
    ArgError(text::defuse_mentions(&error.0))
}

/// Which definition a line asks for, with its values and window.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub index: usize,
    pub values: BTreeMap<String, String>,
    pub since: Since,
}

/// `key:value` words, a value in double quotes when it has spaces; `since:` sets the window.
fn values(rest: &str, default_since: Since) -> Result<(BTreeMap<String, String>, Since), ArgError> {
    let mut values = BTreeMap::new();
    let mut since = default_since;
    let mut chars = rest.trim().chars().peekable();
    while chars.peek().is_some() {
        let mut key = String::new();
        let mut named = false;
        for c in chars.by_ref() {
            if c == ':' {
                named = true;
                break;
            }
            key.push(c);
        }
        let key = key.trim().to_owned();
        if !named {
            return Err(ArgError(format!("`{key}` needs a value: write options as name:value")));
        }
        let value: String = if chars.peek() == Some(&'"') {
            chars.next();
            let value = chars.by_ref().take_while(|c| *c != '"').collect();
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            value
        } else {
            chars.by_ref().take_while(|c| !c.is_whitespace()).collect()
        };
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(ArgError("write options as name:value, with double quotes around values with spaces".into()));
        }
        if key == "since" {
            since = Since::parse(&value)?;
        } else {
            values.insert(key, value);
        }
    }
    Ok((values, since))
}

/// The query's rows as a table: one line per row, its fields separated by `·`.
pub fn render_rows(name: &str, rows: &[Vec<(String, String)>]) -> String {
    if rows.is_empty() {
        return format!("/{name}: no rows.");
    }
    let line = |row: &Vec<(String, String)>| {
        let fields: Vec<String> =
            row.iter().filter(|(field, _)| field != "@ptr").map(|(_, value)| text::one_line(value, 160)).collect();
        fields.join(" · ").replace("```", "'''")
    };
    Fit {
        head: vec![format!("**/{name}**: {}", text::plural(rows.len() as u64, "row", "rows")), "```".into()],
        blocks: rows.iter().take(SHOWN).map(|row| vec![text::defuse_mentions(&line(row))]).collect(),
        tail: vec!["```".into()],
        already_left_out: rows.len().saturating_sub(SHOWN),
        left_out: &|n| format!("… and {n} more rows"),
    }
    .render()
}

/// One object per row, field to value.
pub fn json(rows: &[Vec<(String, String)>]) -> Value {
    Value::Array(
        rows.iter()
            .map(|row| {
                let fields: serde_json::Map<String, Value> = row
                    .iter()
                    .filter(|(field, _)| field != "@ptr")
                    .map(|(field, value)| (field.clone(), json!(value)))
                    .collect();
                Value::Object(fields)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow_orders() -> Definition {
        Definition {
            name: "slow-orders".into(),
            description: "orders slower than a threshold".into(),
            query: "fields @timestamp, @message | filter @message like {text} and @duration > {min_ms} | limit 20"
                .into(),
            log_groups: vec!["/aws/lambda/{function}".into()],
            options: vec![
                OptionDef { name: "text".into(), kind: Kind::Text, required: true },
                OptionDef { name: "min_ms".into(), kind: Kind::Number, required: true },
                OptionDef { name: "function".into(), kind: Kind::Function, required: true },
            ],
        }
    }

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn values_are_written_in_as_literals() {
        let (query, groups) = slow_orders()
            .fill(&values(&[("text", "order"), ("min_ms", "1500"), ("function", "checkout-api")]))
            .unwrap();
        assert_eq!(
            query,
            "fields @timestamp, @message | filter @message like \"order\" and @duration > 1500 | limit 20"
        );
        assert_eq!(groups, ["/aws/lambda/checkout-api"]);
    }

    #[test]
    fn a_value_cannot_break_out_of_its_literal() {
        let hostile = r#"x" | stats count(*) by @logStream | filter "a\"#;
        let (query, _) = slow_orders().fill(&values(&[("text", hostile), ("min_ms", "1"), ("function", "f")])).unwrap();
        assert!(query.contains(r#"like "x\" | stats count(*) by @logStream | filter \"a\\" and"#), "{query}");
        // Read the literal as Logs Insights would: it must end exactly where the value ends.
        let start = query.find("like \"").unwrap() + "like \"".len();
        let mut chars = query[start..].char_indices();
        let end = loop {
            match chars.next() {
                Some((_, '\\')) => {
                    chars.next();
                }
                Some((at, '"')) => break start + at,
                Some(_) => {}
                None => panic!("the literal never closes: {query}"),
            }
        };
        assert_eq!(&query[end + 1..], " and @duration > 1 | limit 20", "{query}");
    }

    #[test]
    fn bad_values_say_what_is_accepted() {
        let def = slow_orders();
        let err = |pairs: &[(&str, &str)]| def.fill(&values(pairs)).unwrap_err().0;
        assert!(err(&[("text", "a"), ("min_ms", "fast"), ("function", "f")]).contains("`min_ms` must be a number"));
        assert!(err(&[("text", "a"), ("min_ms", "1"), ("function", "../etc")]).contains("`function` must be"));
        assert!(err(&[("text", "a\nb"), ("min_ms", "1"), ("function", "f")]).contains("one line"));
        assert!(err(&[("min_ms", "1"), ("function", "f")]).contains("needs `text`"));
        assert!(err(&[("text", "a"), ("min_ms", "1"), ("function", "f"), ("x", "1")]).contains("no option `x`"));
    }

    #[test]
    fn a_value_holding_another_placeholder_stays_inside_its_literal() {
        // Found with the property fuzz/fuzz_targets/command_args.rs checks: placeholders were replaced one name after
        // another, so `{include}` typed into `exclude` (replaced first) received include's literal, which closed
        // exclude's.
        let text = |name: &str| OptionDef { name: name.into(), kind: Kind::Text, required: true };
        let search = Definition {
            name: "search".into(),
            description: "lines with one term and without another".into(),
            query: "fields @message | filter @message like {include} and @message not like {exclude}".into(),
            log_groups: vec!["/aws/lambda/checkout-api".into()],
            options: vec![text("include"), text("exclude")],
        };

        let (query, _) = search
            .fill(&values(&[("include", "x) | stats count(*) by @logStream #"), ("exclude", "{include}")]))
            .unwrap();

        assert_eq!(
            query,
            r#"fields @message | filter @message like "x) | stats count(*) by @logStream #" and @message not like "{include}""#
        );
    }

    #[test]
    fn errors_never_echo_a_mention() {
        // Found by fuzzing (fuzz/fuzz_targets/command_args.rs): option names and values were quoted back as typed.
        let definitions = [(slow_orders(), Since::parse("1h").unwrap())];
        let line_error = |line: &str| parse_line(line, &definitions).unwrap().unwrap_err().0;
        let fill_error = |pairs: &[(&str, &str)]| slow_orders().fill(&values(pairs)).unwrap_err().0;

        let messages = [
            line_error("/slow-orders @everyone"),
            line_error("/slow-orders since:@here"),
            fill_error(&[("text", "a"), ("min_ms", "1"), ("function", "f"), ("<@123>", "1")]),
            fill_error(&[("text", "a"), ("min_ms", "@everyone"), ("function", "f")]),
            fill_error(&[("text", "a"), ("min_ms", "1"), ("function", "@here")]),
        ];

        for message in messages {
            assert!(
                !message.contains("@everyone") && !message.contains("@here") && !message.contains("<@1"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_definition_with_undeclared_placeholders_or_a_builtin_name_is_refused() {
        let mut def = slow_orders();
        assert!(def.problems(&["errors"]).is_empty());
        def.query.push_str(" | filter {missing}");
        def.log_groups = vec!["/aws/lambda/{text}".into()];
        def.name = "errors".into();
        let problems = def.problems(&["errors"]);
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn a_typed_line_finds_its_definition_and_reads_quoted_values() {
        let definitions = [(slow_orders(), Since::parse("1h").unwrap())];
        let Invocation { index, values, since } =
            parse_line(r#"/slow-orders function:checkout-api text:"order failed" since:6h"#, &definitions)
                .unwrap()
                .unwrap();
        assert_eq!((index, since), (0, Since::parse("6h").unwrap()));
        assert_eq!(values["text"], "order failed");
        assert_eq!(values["function"], "checkout-api");
        assert!(parse_line("/errors checkout-api", &definitions).is_none());
        assert!(parse_line("/slow-orders text", &definitions).unwrap().is_err());
    }

    #[test]
    fn rows_render_as_a_table_that_fits_and_cannot_ping() {
        let rows: Vec<Vec<(String, String)>> = (0..500)
            .map(|n| vec![("@ptr".into(), "p".into()), ("@message".into(), format!("order {n} @everyone"))])
            .collect();
        let text = render_rows("slow-orders", &rows);
        assert!(text.starts_with("**/slow-orders**: 500 rows\n```"), "{text}");
        assert!(crate::text::discord_len(&text) <= 2_000);
        assert!(!text.contains("@everyone") && !text.contains("p ·"), "{text}");
        assert_eq!(json(&rows[..1]), serde_json::json!([{"@message": "order 0 @everyone"}]));
    }
}

//! Replay: reads events from files, folders and stdin, for `opspod replay` and the demo.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::pipeline::{Input, Payload};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} holds no *.json or *.jsonl files")]
    EmptyFolder { path: String },
}

/// Reads every input named by `paths`: files, folders (their `*.json` and `*.jsonl`, by name) and `-` for stdin.
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Input>, ReplayError> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut raw = Vec::new();
            std::io::stdin()
                .read_to_end(&mut raw)
                .map_err(|source| ReplayError::Read { path: "stdin".into(), source })?;
            inputs.extend(split("stdin", &raw, false));
        } else if path.is_dir() {
            for file in folder_files(path)? {
                inputs.extend(read_file(&file)?);
            }
        } else {
            inputs.extend(read_file(path)?);
        }
    }
    Ok(inputs)
}

fn folder_files(folder: &Path) -> Result<Vec<PathBuf>, ReplayError> {
    let error = |source| ReplayError::Read { path: folder.display().to_string(), source };
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .map_err(error)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file() && matches!(extension(path), "json" | "jsonl"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ReplayError::EmptyFolder { path: folder.display().to_string() });
    }
    Ok(files)
}

fn read_file(path: &Path) -> Result<Vec<Input>, ReplayError> {
    let raw = std::fs::read(path).map_err(|source| ReplayError::Read { path: path.display().to_string(), source })?;
    Ok(split(&path.display().to_string(), &raw, extension(path) == "jsonl"))
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// One input per line for JSON lines, else the whole text as one event.
///
/// Without a `.jsonl` name, text is JSON lines when it has several lines and each looks like a whole object;
/// a pretty-printed event never does, because its first line is a lone `{`.
pub fn split(name: &str, raw: &[u8], json_lines: bool) -> Vec<Input> {
    let lines: Vec<(usize, &[u8])> = raw
        .split(|&byte| byte == b'\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim_ascii()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let looks_like_lines = lines.len() > 1 && lines.iter().all(|(_, l)| l.starts_with(b"{") && l.ends_with(b"}"));
    if json_lines || looks_like_lines {
        return lines
            .into_iter()
            .map(|(number, line)| Input {
                source: "replay".into(),
                origin: format!("{name}:{number}"),
                payload: Payload::Raw(line.to_vec()),
            })
            .collect();
    }
    vec![Input { source: "replay".into(), origin: name.to_owned(), payload: Payload::Raw(raw.to_vec()) }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_become_one_input_per_line_named_by_line_number() {
        let inputs = split("events.jsonl", b"{\"a\":1}\n\n{\"b\":2}\n", true);
        let origins: Vec<&str> = inputs.iter().map(|i| i.origin.as_str()).collect();
        assert_eq!(origins, vec!["events.jsonl:1", "events.jsonl:3"]);
    }

    #[test]
    fn a_pretty_printed_event_is_one_input() {
        let inputs = split("event.json", b"{\n  \"a\": 1\n}\n", false);
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].origin, "event.json");
    }

    #[test]
    fn compact_lines_in_a_json_file_are_recognised() {
        assert_eq!(split("x.json", b"{\"a\":1}\n{\"b\":2}", false).len(), 2);
    }
}

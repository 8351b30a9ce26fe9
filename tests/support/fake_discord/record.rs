//! How the fake writes down a REST request: method, path, query, headers (token redacted) and body.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::http::request::Parts;
use serde_json::Value;

/// One REST request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path without the `/api/v10` prefix, e.g. `/channels/42/messages`.
    pub path: String,
    pub query: Option<String>,
    /// Lowercased names; `authorization` is always `[redacted]`.
    pub headers: BTreeMap<String, String>,
    pub body: RecordedBody,
    /// When the fake had read the request, for latency figures.
    pub received: Instant,
}

#[derive(Clone, Debug)]
pub enum RecordedBody {
    Empty,
    Json(Value),
    /// `multipart/form-data`, as serenity sends messages with files.
    Multipart {
        payload_json: Option<Value>,
        files: Vec<RecordedFile>,
    },
    Text(String),
}

/// A file part of a multipart request: the part name (`files[0]`), file name, declared type and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedFile {
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub size: usize,
}

impl Recorded {
    /// The JSON payload, whether sent as the body or as multipart's `payload_json`.
    pub fn json(&self) -> Option<&Value> {
        match &self.body {
            RecordedBody::Json(value) => Some(value),
            RecordedBody::Multipart { payload_json, .. } => payload_json.as_ref(),
            _ => None,
        }
    }

    pub fn files(&self) -> &[RecordedFile] {
        match &self.body {
            RecordedBody::Multipart { files, .. } => files,
            _ => &[],
        }
    }

    /// `"POST /channels/42/messages"`, handy in assertion messages.
    pub fn route(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

pub fn record(parts: &Parts, body: &[u8]) -> Recorded {
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            let value = if name == axum::http::header::AUTHORIZATION {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect::<BTreeMap<_, _>>();
    let path = parts.uri.path();
    Recorded {
        method: parts.method.as_str().to_owned(),
        path: path.strip_prefix("/api/v10").unwrap_or(path).to_owned(),
        query: parts.uri.query().map(str::to_owned),
        body: parse_body(headers.get("content-type").map(String::as_str), body),
        headers,
        received: Instant::now(),
    }
}

fn parse_body(content_type: Option<&str>, body: &[u8]) -> RecordedBody {
    if body.is_empty() {
        return RecordedBody::Empty;
    }
    let boundary = content_type.and_then(|ct| ct.split("boundary=").nth(1)).map(|b| b.trim_matches('"'));
    match boundary {
        Some(boundary) => parse_multipart(boundary, body),
        None => serde_json::from_slice(body)
            .map(RecordedBody::Json)
            .unwrap_or_else(|_| RecordedBody::Text(String::from_utf8_lossy(body).into_owned())),
    }
}

/// A small `multipart/form-data` reader: enough for reqwest's well-formed output, not a general parser.
fn parse_multipart(boundary: &str, body: &[u8]) -> RecordedBody {
    let delimiter = format!("--{boundary}");
    let mut payload_json = None;
    let mut files = Vec::new();
    for part in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let Some(split_at) = find(part, b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&part[..split_at]);
        let content = &part[split_at + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = header_param(&head, "name").unwrap_or_default();
        match header_param(&head, "filename") {
            Some(filename) => files.push(RecordedFile {
                field: name,
                filename,
                content_type: head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_owned())),
                size: content.len(),
            }),
            None if name == "payload_json" => payload_json = serde_json::from_slice(content).ok(),
            None => {}
        }
    }
    RecordedBody::Multipart { payload_json, files }
}

fn header_param(head: &str, key: &str) -> Option<String> {
    let needle = format!("{key}=\"");
    let line = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition"))?;
    let start = line.find(&format!("; {needle}")).map(|i| i + 2 + needle.len())?;
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts
}

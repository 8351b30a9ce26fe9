//! One CloudWatch Logs event from a Lambda function's log group, classified: a platform line, a timeout, an
//! out-of-memory kill, an error with its stack, or anything else.

use serde::Serialize;

use super::stack::{Frame, Runtime, in_app_frame};
use super::{json, level, platform, text, trace};

/// What one log event is.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    Start {
        request_id: String,
    },
    End {
        request_id: String,
    },
    Report(Report),
    Timeout(Timeout),
    /// The runtime was killed for using more memory than configured.
    OutOfMemory {
        request_id: Option<String>,
    },
    Error(ErrorRecord),
    Other,
}

/// The `REPORT` line Lambda writes after every invocation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub request_id: String,
    pub duration_ms: f64,
    pub billed_ms: u64,
    pub memory_mb: u32,
    pub max_memory_mb: u32,
    /// Only on cold starts.
    pub init_ms: Option<f64>,
    /// Only on SnapStart restores.
    pub restore_ms: Option<f64>,
    pub billed_restore_ms: Option<u64>,
    /// `None` when the line does not say: text `REPORT` lines name a status only when the invocation failed, and
    /// older ones never do.
    pub status: Option<Status>,
}

impl Report {
    /// A new execution environment served this invocation: a regular init or a SnapStart restore.
    pub fn is_cold_start(&self) -> bool {
        self.init_ms.is_some() || self.restore_ms.is_some()
    }

    pub fn timed_out(&self) -> bool {
        self.status == Some(Status::Timeout)
    }

    pub fn out_of_memory(&self) -> bool {
        matches!(&self.status, Some(Status::Error { error_type: Some(t) }) if t == OUT_OF_MEMORY)
    }
}

pub(super) const OUT_OF_MEMORY: &str = "Runtime.OutOfMemory";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "status")]
pub enum Status {
    Success,
    Timeout,
    Error { error_type: Option<String> },
}

/// `Task timed out after 3.00 seconds`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Timeout {
    pub request_id: Option<String>,
    /// The function's configured timeout, as Lambda reports it.
    pub seconds: f64,
}

/// An error a function logged or died of.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ErrorRecord {
    pub runtime: Runtime,
    pub request_id: Option<String>,
    /// The error as thrown: what Lambda reports as `errorType`.
    pub error: Exception,
    /// What it wrapped (Java `Caused by:`, .NET inner exceptions, Python chained tracebacks, a Node.js promise
    /// rejection's reason), outermost first: the last one is the root cause.
    pub causes: Vec<Exception>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub error_type: Option<String>,
    pub message: String,
    /// Innermost first, for every runtime.
    pub frames: Vec<Frame>,
}

impl Exception {
    pub(super) fn new(error_type: Option<&str>, message: &str, frames: Vec<Frame>) -> Exception {
        let error_type = error_type.map(str::trim).filter(|t| !t.is_empty()).map(String::from);
        Exception { error_type, message: message.trim().to_string(), frames }
    }

    /// `Type: message`, a bare `Type`, or a message with no recognisable type.
    pub(super) fn from_header(header: &str, frames: Vec<Frame>) -> Exception {
        match text::split_type(header) {
            Some((error_type, message)) => Exception::new(Some(error_type), message, frames),
            None => Exception::new(None, header, frames),
        }
    }
}

impl ErrorRecord {
    pub(super) fn new(runtime: Runtime, error: Exception, causes: Vec<Exception>) -> ErrorRecord {
        ErrorRecord { runtime, request_id: None, error, causes }
    }

    pub fn error_type(&self) -> Option<&str> {
        self.error.error_type.as_deref()
    }

    pub fn message(&self) -> &str {
        &self.error.message
    }

    pub fn root_cause(&self) -> &Exception {
        self.causes.last().unwrap_or(&self.error)
    }

    /// The team's line that failed: the innermost in-app frame of the deepest exception that has one, because a
    /// wrapper is thrown where the error was caught, not where it happened.
    pub fn in_app_frame(&self) -> Option<&Frame> {
        let chain = std::iter::once(&self.error).chain(&self.causes);
        chain.rev().find_map(|exception| in_app_frame(&exception.frames))
    }

    /// Every in-app frame of the exception that holds [`ErrorRecord::in_app_frame`], innermost first: the path
    /// through the team's code that a bug report shows.
    pub fn in_app_frames(&self) -> Vec<&Frame> {
        let chain = std::iter::once(&self.error).chain(&self.causes);
        let holder = chain.rev().find(|exception| in_app_frame(&exception.frames).is_some());
        holder.map(|exception| exception.frames.iter().filter(|f| f.in_app).collect()).unwrap_or_default()
    }
}

impl Record {
    /// Classifies one event's message exactly as CloudWatch Logs stores it. Never fails: what is not recognised
    /// is [`Record::Other`].
    pub fn parse(message: &str) -> Record {
        let text = message.trim();
        if text.is_empty() {
            return Record::Other;
        }
        if let Some(record) = platform::parse_text(text) {
            return record;
        }
        if text.starts_with('{') {
            return json::parse_line(text).unwrap_or(Record::Other);
        }
        function_output(text)
    }
}

/// Text the function (or its runtime) wrote: a level-prefixed line, or a bare stack trace.
fn function_output(text: &str) -> Record {
    let error = match level::split(text) {
        Some(line) if line.is_error => {
            let record = error_in(line.body).unwrap_or_else(|| plain_error(line.body, line.runtime));
            let runtime = if record.runtime == Runtime::Unknown { line.runtime } else { record.runtime };
            Some(ErrorRecord { runtime, request_id: record.request_id.or(line.request_id), ..record })
        }
        // Whoever logged it at INFO or WARN decided it was not an error, stack or not.
        Some(_) => None,
        None => error_in(text),
    };
    error.map_or(Record::Other, Record::Error)
}

fn error_in(body: &str) -> Option<ErrorRecord> {
    json::embedded_error(body).or_else(|| trace::parse(body))
}

fn plain_error(body: &str, runtime: Runtime) -> ErrorRecord {
    ErrorRecord::new(runtime, Exception::from_header(body, Vec::new()), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::fixtures::error;
    use super::*;

    #[test]
    fn empty_and_blank_messages_are_other() {
        assert_eq!(Record::parse(""), Record::Other);
        assert_eq!(Record::parse(" \r\n\t"), Record::Other);
    }

    #[test]
    fn an_info_line_is_not_an_error_even_with_a_stack() {
        let line = "2024-05-01T10:00:00.000Z\t8f5a2b1c\tINFO\tTypeError: x\n    at handler (/var/task/index.js:3:9)";

        assert_eq!(Record::parse(line), Record::Other);
    }

    #[test]
    fn an_ordinary_print_is_other() {
        assert_eq!(Record::parse("Processing order 42 for customer: acme"), Record::Other);
        assert_eq!(Record::parse("Error raised from handler method"), Record::Other);
    }

    #[test]
    fn a_logged_error_without_a_stack_keeps_its_message_and_request_id() {
        let record = error("[ERROR]\t2024-05-01T10:00:00.123Z\t8f5a2b1c\tPayment declined for order 42");

        assert_eq!(record.request_id.as_deref(), Some("8f5a2b1c"));
        assert_eq!(record.error_type(), None);
        assert_eq!(record.message(), "Payment declined for order 42");
        assert_eq!(record.runtime, Runtime::Python);
    }

    #[test]
    fn a_node_console_error_takes_the_request_id_from_its_prefix() {
        let record = error(fixtures::NODE_CONSOLE_ERROR);

        assert_eq!(record.request_id.as_deref(), Some(fixtures::REQUEST_ID));
        assert_eq!(record.error_type(), Some("TypeError"));
        assert_eq!(record.in_app_frame().map(ToString::to_string).as_deref(), Some("src/handler.js:42 in handler"));
    }

    #[test]
    fn messages_with_tabs_inside_the_body_keep_them() {
        let record = error("2024-05-01T10:00:00.000Z\t8f5a2b1c\tERROR\tbad row:\tcol1\tcol2");

        assert_eq!(record.message(), "bad row:\tcol1\tcol2");
    }

    #[test]
    fn a_wrapped_error_points_at_the_root_causes_frame() {
        let record = error(fixtures::JAVA_CAUSED_BY);

        assert_eq!(record.error_type(), Some("java.lang.RuntimeException"));
        assert_eq!(record.root_cause().error_type.as_deref(), Some("java.lang.NumberFormatException"));
        let frames: Vec<String> = record.in_app_frames().iter().map(ToString::to_string).collect();
        assert_eq!(
            frames,
            [
                "Parser.java:22 in com.acme.orders.Parser.quantity",
                "Handler.java:38 in com.acme.orders.Handler.handleRequest"
            ]
        );
    }
}

//! JSON log lines: the platform's events in the JSON log format, and the error objects runtimes log
//! (`{"errorType":…,"errorMessage":…,"stackTrace":[…]}`), whichever runtime and logger wrote them.

use serde_json::{Map, Value};

use super::level::is_error_level;
use super::record::{ErrorRecord, Exception, OUT_OF_MEMORY, Record};
use super::stack::{Frame, Runtime};
use super::{platform, text, trace};

/// A whole event that is one JSON object.
pub(super) fn parse_line(text: &str) -> Option<Record> {
    let value = first_value(text)?;
    let object = value.as_object()?;
    if let Some(kind) = object.get("type").and_then(Value::as_str).filter(|kind| kind.starts_with("platform.")) {
        return Some(platform::from_json(kind, object.get("record").and_then(Value::as_object)));
    }
    Some(function_record(object))
}

/// An error object after a prefix: Node.js `Invoke Error \t{…}`, Go's `2024/05/01 10:00:00 {…}`, Ruby's
/// `Error raised from handler method` followed by the object.
pub(super) fn embedded_error(text: &str) -> Option<ErrorRecord> {
    if !(text.contains("\"errorType\"") || text.contains("\"errorMessage\"")) {
        return None;
    }
    let value = first_value(&text[text.find('{')?..])?;
    error_of(value.as_object()?)
}

/// The first JSON value in `text`, ignoring whatever follows it.
fn first_value(text: &str) -> Option<Value> {
    serde_json::Deserializer::from_str(text).into_iter::<Value>().next()?.ok()
}

fn function_record(object: &Map<String, Value>) -> Record {
    if string(object, "errorType") == Some(OUT_OF_MEMORY) {
        return Record::OutOfMemory { request_id: request_id_of(object) };
    }
    match (level_is_error(object), error_of(object)) {
        // Whoever logged it below ERROR decided it was not an error, error object or not.
        (Some(false), _) => Record::Other,
        (_, Some(error)) => Record::Error(error),
        (Some(true), None) => Record::Error(logged_message(object)),
        (None, None) => Record::Other,
    }
}

/// `None` when the line has no level. pino writes numbers: 50 is error, 60 fatal.
fn level_is_error(object: &Map<String, Value>) -> Option<bool> {
    match object.get("level")? {
        Value::String(level) => Some(is_error_level(level)),
        Value::Number(level) => Some(level.as_f64()? >= 50.0),
        _ => None,
    }
}

/// An `ERROR`-level structured log line that carries no error object: its message may still hold a printed stack
/// (the Java and .NET runtimes log their exceptions that way in the JSON log format).
fn logged_message(object: &Map<String, Value>) -> ErrorRecord {
    // `console.error({ orderId, reason })` logs an object: its JSON text is the message.
    let message = match object.get("message") {
        Some(Value::String(message)) => message.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let record = trace::parse(&message).unwrap_or_else(|| {
        ErrorRecord::new(Runtime::Unknown, Exception::from_header(&message, Vec::new()), Vec::new())
    });
    ErrorRecord { request_id: request_id_of(object), ..record }
}

/// Keys under which the runtimes and Powertools put the invocation's request id.
const REQUEST_ID_KEYS: &[&str] =
    &["requestId", "AWSRequestId", "awsRequestId", "aws_request_id", "function_request_id"];

fn request_id_of(object: &Map<String, Value>) -> Option<String> {
    REQUEST_ID_KEYS.iter().find_map(|key| string(object, key).and_then(text::request_id))
}

fn string<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    object.get(key)?.as_str()
}

fn error_of(object: &Map<String, Value>) -> Option<ErrorRecord> {
    // Node.js in the JSON log format puts a logged `Error` under `message`.
    let source = match object.get("message") {
        Some(Value::Object(inner)) if is_error_object(inner) => inner,
        _ if is_error_object(object) => object,
        _ => return None,
    };
    let record = chain(source, 0);
    Some(ErrorRecord { request_id: request_id_of(object).or(record.request_id), ..record })
}

fn is_error_object(object: &Map<String, Value>) -> bool {
    ["errorType", "errorMessage", "exception_name"].iter().any(|key| object.contains_key(*key))
        || object.get("exception").is_some_and(Value::is_string)
        || nested_error(object).is_some_and(|error| error.contains_key("stack"))
}

/// Powertools for TypeScript logs `error: {name, message, stack}`; pino logs `err: {type, message, stack}`.
fn nested_error(object: &Map<String, Value>) -> Option<&Map<String, Value>> {
    ["error", "err"].iter().find_map(|key| object.get(*key)?.as_object())
}

/// Deep enough for any real chain, shallow enough that a hostile line cannot make the parser work hard.
const MAX_CAUSES: usize = 8;

fn chain(object: &Map<String, Value>, depth: usize) -> ErrorRecord {
    let nested = nested_error(object);
    let own = |key: &str, nested_keys: &[&str]| {
        string(object, key).or_else(|| nested_keys.iter().find_map(|nested_key| string(nested?, nested_key)))
    };
    let (runtime, frames, printed) = read_stack(stack_of(object, nested), string(object, "errorType"));
    // A printed trace (Powertools' `exception`) names the error when the object's own fields do not.
    let ErrorRecord { error: mut printed, mut causes, .. } = printed.unwrap_or_default();
    let error_type = own("errorType", &["name", "type"]).or_else(|| string(object, "exception_name"));
    let error_type = error_type.or(printed.error_type.as_deref());
    let printed_message = Some(printed.message.as_str()).filter(|message| !message.is_empty());
    let message = own("errorMessage", &["message"]).or(printed_message).or_else(|| string(object, "message"));
    let frames = if frames.is_empty() { std::mem::take(&mut printed.frames) } else { frames };
    let error = Exception::new(error_type, message.unwrap_or_default(), frames);
    causes.extend(json_causes(object, depth));
    ErrorRecord::new(runtime, error, causes)
}

fn stack_of<'a>(object: &'a Map<String, Value>, nested: Option<&'a Map<String, Value>>) -> Option<&'a Value> {
    let stack = ["stackTrace", "stack", "trace", "exception"].iter().find_map(|key| object.get(*key));
    stack.or_else(|| nested?.get("stack"))
}

/// `cause` (Java, .NET) and `reason` (a Node.js unhandled promise rejection), flattened outermost first.
fn json_causes(object: &Map<String, Value>, depth: usize) -> Vec<Exception> {
    let cause = ["cause", "reason", "innerException"].iter().find_map(|key| object.get(*key)?.as_object());
    match cause {
        Some(cause) if depth < MAX_CAUSES && is_error_object(cause) => {
            let record = chain(cause, depth + 1);
            std::iter::once(record.error).chain(record.causes).collect()
        }
        _ => Vec::new(),
    }
}

/// A stack as an array of frames (every runtime's `stackTrace`) or as printed text (Powertools' `exception`).
fn read_stack(stack: Option<&Value>, error_type: Option<&str>) -> (Runtime, Vec<Frame>, Option<ErrorRecord>) {
    let (runtime, frames, printed) = match stack {
        Some(Value::Array(items)) if items.iter().any(Value::is_object) => {
            (Runtime::Go, items.iter().filter_map(Value::as_object).filter_map(go_frame).collect(), None)
        }
        Some(Value::Array(items)) => read_lines(&items.iter().filter_map(Value::as_str).collect::<Vec<_>>()),
        Some(Value::String(printed)) => match trace::parse(printed) {
            Some(record) => (record.runtime, Vec::new(), Some(record)),
            // A bare `StackTrace` string: frames without a header.
            None => read_lines(&text::lines(printed)),
        },
        _ => (Runtime::Unknown, Vec::new(), None),
    };
    // The Ruby runtime reports `Function<NoMethodError>` and `Init<LoadError>`.
    let ruby = error_type.is_some_and(|t| t.starts_with("Function<") || t.starts_with("Init<"));
    (if runtime == Runtime::Unknown && ruby { Runtime::Ruby } else { runtime }, frames, printed)
}

/// Stack lines, one frame each, in the shape of whichever runtime wrote the first recognisable one.
fn read_lines(lines: &[&str]) -> (Runtime, Vec<Frame>, Option<ErrorRecord>) {
    let Some(runtime) = lines.iter().find_map(|line| trace::frame_runtime(line)) else {
        return (Runtime::Unknown, Vec::new(), None);
    };
    if let Some(printed) = trace::parse_lines(runtime, lines) {
        return (runtime, Vec::new(), Some(printed));
    }
    let mut frames: Vec<Frame> = lines.iter().filter_map(|line| trace::frame(runtime, line)).collect();
    if runtime == Runtime::Python {
        frames.reverse();
    }
    (runtime, frames, None)
}

/// aws-lambda-go's `{"path":"/var/task/main.go","line":31,"label":"handler"}`.
fn go_frame(object: &Map<String, Value>) -> Option<Frame> {
    let path = string(object, "path")?;
    let line = object.get("line").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    let label = string(object, "label").filter(|label| !label.is_empty()).map(String::from);
    Some(Frame::new(Runtime::Go, path, line, label))
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::error;
    use super::super::fixtures::{self, REQUEST_ID};
    use super::*;

    fn in_app(record: &ErrorRecord) -> Option<String> {
        record.in_app_frame().map(ToString::to_string)
    }

    #[test]
    fn the_python_runtimes_json_error_reads_frames_innermost_last() {
        let record = error(fixtures::PYTHON_JSON_ERROR);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Python, Some("ValueError")));
        assert_eq!(record.message(), "invalid literal for int() with base 10: 'abc'");
        assert_eq!(record.request_id.as_deref(), Some(REQUEST_ID));
        assert_eq!(in_app(&record).as_deref(), Some("orders/parse.py:88 in parse_line"));
    }

    #[test]
    fn the_python_json_log_format_error_is_read_the_same_way() {
        let record = error(fixtures::PYTHON_JSON_LOG_FORMAT);

        assert_eq!(record.error_type(), Some("KeyError"));
        assert_eq!(in_app(&record).as_deref(), Some("app.py:12 in handler"));
    }

    #[test]
    fn a_node_invoke_error_reads_its_stack_array() {
        let record = error(fixtures::NODE_INVOKE_ERROR);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Node, Some("TypeError")));
        assert_eq!(record.request_id.as_deref(), Some(REQUEST_ID));
        assert_eq!(in_app(&record).as_deref(), Some("src/handler.js:42 in handler"));
    }

    #[test]
    fn a_node_uncaught_exception_during_init_has_no_request_id() {
        let record = error(fixtures::NODE_UNCAUGHT_AT_INIT);

        assert_eq!(record.request_id, None);
        assert_eq!(record.error_type(), Some("Runtime.ImportModuleError"));
    }

    #[test]
    fn a_node_unhandled_rejection_points_at_the_reasons_frame() {
        let record = error(fixtures::NODE_UNHANDLED_REJECTION);

        assert_eq!(record.error_type(), Some("Runtime.UnhandledPromiseRejection"));
        assert_eq!(record.root_cause().error_type.as_deref(), Some("Error"));
        assert_eq!(in_app(&record).as_deref(), Some("orders.mjs:7 in charge"));
    }

    #[test]
    fn a_node_stack_of_only_dependencies_has_no_in_app_frame() {
        let record = error(fixtures::NODE_ONLY_DEPENDENCIES);

        assert_eq!(record.error.frames.len(), 3);
        assert_eq!(record.in_app_frame(), None);
    }

    #[test]
    fn the_node_json_log_format_error_is_under_message() {
        let record = error(fixtures::NODE_JSON_LOG_FORMAT);

        assert_eq!((record.error_type(), record.message()), (Some("TypeError"), "x is not a function"));
        assert_eq!(record.request_id.as_deref(), Some(REQUEST_ID));
        assert_eq!(in_app(&record).as_deref(), Some("index.mjs:5 in Runtime.handler"));
    }

    #[test]
    fn the_java_json_error_keeps_its_cause_chain() {
        let record = error(fixtures::JAVA_JSON_ERROR);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Java, Some("java.lang.IllegalStateException")));
        assert_eq!(record.causes.len(), 1);
        assert_eq!(in_app(&record).as_deref(), Some("OrderRepository.java:31 in com.acme.orders.OrderRepository.find"));
    }

    #[test]
    fn the_go_runtimes_error_line_has_a_log_prefix() {
        let record = error(fixtures::GO_ERROR);

        assert_eq!((record.error_type(), record.message()), (Some("errorString"), "order 42 not found"));
        assert!(record.error.frames.is_empty());
    }

    #[test]
    fn a_recovered_go_panic_reads_its_frame_objects() {
        let record = error(fixtures::GO_PANIC_JSON);

        assert_eq!(record.runtime, Runtime::Go);
        assert_eq!(in_app(&record).as_deref(), Some("main.go:31 in handler"));
    }

    #[test]
    fn the_dotnet_json_error_reads_at_frames_and_the_inner_cause() {
        let record = error(fixtures::DOTNET_JSON_ERROR);

        assert_eq!(record.runtime, Runtime::DotNet);
        assert_eq!(record.root_cause().error_type.as_deref(), Some("InvalidOperationException"));
        assert_eq!(
            in_app(&record).as_deref(),
            Some("/src/Orders/Function.cs:44 in Acme.Orders.Function.FunctionHandler")
        );
    }

    #[test]
    fn the_dotnet_json_log_format_keeps_inner_exceptions_apart() {
        let record = error(fixtures::DOTNET_JSON_LOG_FORMAT);

        assert_eq!(record.error_type(), Some("System.AggregateException"));
        assert_eq!(record.request_id.as_deref(), Some(REQUEST_ID));
        assert_eq!(record.error.frames.len(), 2);
        assert_eq!(record.root_cause().error_type.as_deref(), Some("System.Collections.Generic.KeyNotFoundException"));
        assert_eq!(in_app(&record).as_deref(), Some("/src/Orders/Prices.cs:12 in Acme.Orders.Prices.Lookup"));
    }

    #[test]
    fn the_java_json_log_format_reads_the_trace_in_its_message() {
        let record = error(fixtures::JAVA_JSON_LOG_FORMAT);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Java, Some("java.lang.NullPointerException")));
        assert_eq!(record.request_id.as_deref(), Some(REQUEST_ID));
        assert_eq!(in_app(&record).as_deref(), Some("Handler.java:57 in com.acme.orders.Handler.handleRequest"));
    }

    #[test]
    fn a_bare_stack_trace_string_still_gives_frames() {
        let line = concat!(
            r#"{"level":"ERROR","errorType":"TimeoutException","errorMessage":"slow","#,
            r#""stackTrace":"   at Acme.Db.Query() in /src/Db.cs:line 9\n   at System.Threading.Tasks.Task.Wait()"}"#
        );

        let record = error(line);

        assert_eq!(in_app(&record).as_deref(), Some("/src/Db.cs:9 in Acme.Db.Query"));
    }

    #[test]
    fn an_error_level_object_message_is_kept_as_json_text() {
        let line =
            r#"{"timestamp":"2024-05-01T10:00:00.000Z","level":"ERROR","requestId":"abc","message":{"orderId":42}}"#;

        assert_eq!(error(line).message(), r#"{"orderId":42}"#);
    }

    #[test]
    fn a_pretty_printed_ruby_error_is_recognised_as_ruby() {
        let record = error(fixtures::RUBY_JSON_ERROR);

        assert_eq!((record.runtime, record.error_type()), (Runtime::Ruby, Some("Function<NoMethodError>")));
        assert_eq!(in_app(&record).as_deref(), Some("lambda_function.rb:12 in lambda_handler"));
    }

    #[test]
    fn powertools_python_puts_the_traceback_in_exception() {
        let record = error(fixtures::POWERTOOLS_PYTHON);

        assert_eq!((record.error_type(), record.message()), (Some("ValueError"), "quantity must be positive"));
        assert_eq!(record.request_id.as_deref(), Some(REQUEST_ID));
        assert_eq!(in_app(&record).as_deref(), Some("orders/validate.py:19 in check"));
    }

    #[test]
    fn a_structured_info_line_is_other() {
        let line = r#"{"timestamp":"2024-05-01T10:00:00Z","level":"INFO","message":"order saved","requestId":"abc"}"#;

        assert_eq!(Record::parse(line), Record::Other);
    }

    #[test]
    fn an_error_level_line_without_an_error_object_is_a_logged_error() {
        let line = r#"{"level":"ERROR","message":"payment declined","function_request_id":"abc"}"#;

        let record = error(line);

        assert_eq!((record.error_type(), record.message()), (None, "payment declined"));
        assert_eq!(record.request_id.as_deref(), Some("abc"));
    }

    #[test]
    fn an_error_object_logged_below_error_level_is_not_an_error() {
        let line = r#"{"level":"WARN","requestId":"abc","message":{"errorType":"TypeError","errorMessage":"x"}}"#;

        assert_eq!(Record::parse(line), Record::Other);
    }

    #[test]
    fn pino_numeric_levels_and_err_objects_are_understood() {
        let line = concat!(
            r#"{"level":50,"time":1714557600000,"msg":"charge failed","#,
            r#""err":{"type":"Error","message":"card declined","#,
            r#""stack":"Error: card declined\n    at charge (/var/task/pay.js:7:11)"}}"#
        );

        let record = error(line);

        assert_eq!((record.error_type(), record.message()), (Some("Error"), "card declined"));
        assert_eq!(in_app(&record).as_deref(), Some("pay.js:7 in charge"));
        assert_eq!(Record::parse(&line.replace("\"level\":50", "\"level\":30")), Record::Other);
    }

    #[test]
    fn broken_json_is_other() {
        assert_eq!(Record::parse("{\"errorType\": \"ValueError\", \"errorMes"), Record::Other);
        assert_eq!(Record::parse("{}"), Record::Other);
        assert_eq!(Record::parse("[1, 2]"), Record::Other);
    }
}
